# ttv test stand-in for Lightricks/LTX-2's `ltx_pipelines` package (see ti2vid_two_stages.py).
