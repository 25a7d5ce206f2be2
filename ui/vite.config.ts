import { defineConfig } from "vite";

// The till's window loads the built files from disk: relative paths, no server.
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  clearScreen: false,
});
