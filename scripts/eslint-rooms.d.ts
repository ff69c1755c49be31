// Types for the lint plugin written in plain JavaScript (eslint.config.js loads it on any Node).
import type { ESLint } from "eslint";

declare const rooms: ESLint.Plugin;
export default rooms;
