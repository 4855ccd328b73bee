// End-to-end tests in Debian's Chromium (launched by path: Playwright's own browser
// downloads are not used) against a running platform's one origin. The test harness
// (tools/tests/test_e2e.py) starts the platform and sets MOVIEREC_WEB_URL; by hand:
//   uv run movierec up          (another terminal)
//   MOVIEREC_E2E_ADMIN_EMAIL=… MOVIEREC_E2E_ADMIN_PASSWORD=… npx playwright test
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 180_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: process.env.MOVIEREC_WEB_URL ?? "http://127.0.0.1:8000",
    browserName: "chromium",
    viewport: { width: 1280, height: 900 },
    screenshot: "only-on-failure",
    // The swarm e2e's edge has a self-signed certificate.
    ignoreHTTPSErrors: process.env.MOVIEREC_E2E_SELF_SIGNED === "1",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      // No background traffic: this machine's network is closed to anything but the platform.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
