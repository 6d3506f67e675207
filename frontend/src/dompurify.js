// DOMPurify as an ES module: `import DOMPurify from "../vendor/dompurify.js"`.
export { default } from "dompurify";
