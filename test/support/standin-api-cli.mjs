// Starts the stand-in API in the foreground for manual runs: prints its URL, stops on SIGINT/SIGTERM.
import { startStandinApi } from './standin-api.mjs';

const key = process.env.STANDIN_API_KEY;
if (!key) {
  console.error('STANDIN_API_KEY must name the key the stand-in API will require');
  process.exit(2);
}
const api = await startStandinApi({ key, generation: process.env.STANDIN_GENERATION ?? 'g1', port: Number(process.env.STANDIN_PORT ?? 0) });
console.log(api.url);
const stop = () => api.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
