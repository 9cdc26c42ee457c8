// The ttv planner conformance suite, as a third party runs it: @ttv/testkit from npm.
import { describePlannerConformance } from '@ttv/testkit';
import plugin from '../src/planner.js';

describePlannerConformance({ name: 'beats planner', plugin, config: () => ({ style: 'wide' }) });
