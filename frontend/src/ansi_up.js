// ansi_up as an ES module: `import { AnsiUp } from "../vendor/ansi_up.js"`.
export { AnsiUp } from "ansi_up";
