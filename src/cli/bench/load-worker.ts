/** Worker thread entry for the mixed load (see load.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { type LoadSpec, mixedLoad } from './load.ts';

const result = await mixedLoad(workerData as LoadSpec);
parentPort!.postMessage(result);
