// Type-aware lint: the rules that catch lost promises and unsafe any matter most for a server.
import tseslint from "typescript-eslint";
import rooms from "./scripts/eslint-rooms.js";

export default tseslint.config(
  { ignores: ["node_modules/**", "data/**"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        { allowForKnownSafeCalls: [{ from: "package", name: ["test", "it", "describe", "suite"], package: "node:test" }] },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // The layout's doors (DESIGN.md): scripts/eslint-rooms.js.
    files: ["src/**/*.ts", "test/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"],
    plugins: { rooms },
    rules: { "rooms/room-doors": "error", "rooms/no-test-imports": "error" },
  },
  { files: ["eslint.config.js", "src/cli/sealpost.js", "scripts/*.js"], ...tseslint.configs.disableTypeChecked },
);
