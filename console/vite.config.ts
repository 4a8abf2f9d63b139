import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies /v1 to a running `make run` stack (API_URL), so the
// console and the API share an origin as they do when the stack serves it.
export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/v1": process.env.API_URL ?? "http://127.0.0.1:8080" } },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
});
