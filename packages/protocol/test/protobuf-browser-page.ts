/**
 * Page script for protobuf-browser.test.ts, bundled by esbuild for the browser: runs the protobuf
 * codec in the page and publishes the results on `window.__pbResult`.
 */
import { protobufSamples } from './protobuf-samples.ts';

declare global {
  interface Window {
    __pbResult?: unknown;
  }
}

window.__pbResult = protobufSamples();
