// The house rules of the layout (DESIGN.md): a folder under src/ is a room and its index.ts is its
// one door. Two lint rules keep them:
//   room-doors       an import from another room goes through that room's index.ts — from src/,
//                    test/ and bench/ alike (a file inside the room may import its neighbours);
//   no-test-imports  production code in src/ never imports from test/ or bench/ (scaffolding
//                    stays out of the rooms; a unit test beside the code may use test/ helpers).
import { dirname, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

/** The file's path from the repository root, split into parts ("src", room, …). */
const parts = (file) => relative(ROOT, file).split(sep);

/** Every import source in a file: import/export … from, and import("…") with a literal. */
function onSource(check) {
  const visit = (node) => {
    if (node.source && node.source.type === "Literal" && typeof node.source.value === "string") check(node.source, node.source.value);
  };
  return {
    ImportDeclaration: visit,
    ExportNamedDeclaration: visit,
    ExportAllDeclaration: visit,
    ImportExpression: visit,
  };
}

const roomDoors = {
  meta: {
    type: "problem",
    docs: { description: "imports from another room go through its index.ts" },
    messages: { deep: "'{{spec}}' reaches into the {{room}} room past its door: import from '{{door}}' (export it there if needed)." },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = parts(file);
    return onSource((node, spec) => {
      if (!spec.startsWith(".")) return;
      const target = resolve(dirname(file), spec);
      const to = parts(target);
      if (to[0] !== "src" || to.length < 3) return;
      const room = to[1];
      if (from[0] === "src" && from[1] === room) return;
      if (to.length === 3 && to[2] === "index.ts") return;
      const door = relative(dirname(file), resolve(ROOT, "src", room, "index.ts")).split(sep).join("/");
      context.report({ node, messageId: "deep", data: { spec, room, door: door.startsWith(".") ? door : `./${door}` } });
    });
  },
};

const noTestImports = {
  meta: {
    type: "problem",
    docs: { description: "production code never imports test or bench scaffolding" },
    messages: { scaffolding: "'{{spec}}' is test scaffolding: production code in src/ must not import from {{dir}}/." },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = parts(file);
    if (from[0] !== "src" || /\.test\.ts$/.test(file)) return {};
    return onSource((node, spec) => {
      if (!spec.startsWith(".")) return;
      const dir = parts(resolve(dirname(file), spec))[0];
      if (dir === "test" || dir === "bench") context.report({ node, messageId: "scaffolding", data: { spec, dir } });
    });
  },
};

export default { meta: { name: "sealpost-rooms" }, rules: { "room-doors": roomDoors, "no-test-imports": noTestImports } };
