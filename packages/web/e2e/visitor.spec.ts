// The visitor's journey, as a person would walk it in the browser.
import { expect, test } from "@playwright/test";
import { PASSWORD, shot, uniqueEmail } from "./helpers";

test("sign up, get picks, find, watch and rate, see For you change, page on, leave", async ({
  page,
}) => {
  const email = uniqueEmail("visitor");
  const recPages = new Map<string, number[]>();
  page.on("response", async (response) => {
    const url = new URL(response.url());
    if (url.pathname === "/recommendations" && response.ok()) {
      const body = await response.json().catch(() => null);
      if (body) recPages.set(url.search, body.items.map((i: { movie_id: number }) => i.movie_id));
    }
  });

  // Sign up with a favorite genre: the first picks come from it.
  await page.goto("/signup");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("First name").fill("Vera");
  await page.getByLabel("Last name").fill("Visitor");
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole("checkbox", { name: "Comedy" }).check({ force: true });
  // The picks on screen are reported as impressions of the page that served them.
  const impressions = page.waitForResponse(
    (r) => r.url().endsWith("/recommendations/feedback") && r.request().method() === "POST",
  );
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Hello, Vera" })).toBeVisible();
  const recorded = await impressions;
  expect(recorded.status()).toBe(200);
  expect(((await recorded.json()) as { recorded: number }).recorded).toBeGreaterThan(0);
  const forYou = page.getByRole("region", { name: "For you" });
  await expect(forYou.locator(".card-reason").first()).toContainText("Comedy");
  const coldReasons = await forYou.locator(".card-reason").allTextContents();
  expect(coldReasons.length).toBeGreaterThanOrEqual(10);
  expect(coldReasons.filter((r) => r.includes("Comedy")).length).toBe(coldReasons.length);
  await shot(page, "home-cold-start");

  // A typo still finds The Godfather.
  await page.getByRole("searchbox", { name: "Search movies" }).fill("godfater");
  await page.getByRole("searchbox", { name: "Search movies" }).press("Enter");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("godfater");
  await page.getByRole("link", { name: "The Godfather", exact: true }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("The Godfather");
  await expect(page.getByText("Community rating")).toBeVisible();

  // Watch it and rate it: the page shows both at once.
  await page.getByRole("button", { name: "Mark as watched" }).click();
  await expect(page.getByText(/You watched it once/)).toBeVisible();
  await page.getByRole("radio", { name: "4.5 stars" }).check({ force: true });
  await expect(page.getByText(/Your rating:/)).toContainText("4.5");
  await shot(page, "movie");

  // For you changes without a reload, with a reason that names it.
  await page.getByRole("link", { name: "movierec home" }).click();
  await expect(forYou.locator(".card-reason", { hasText: "The Godfather" }).first()).toBeVisible();
  const after = await forYou.locator(".card-reason").allTextContents();
  expect(after).not.toEqual(coldReasons);
  await shot(page, "home-signed-in");

  // The next page repeats nothing of the first.
  const more = forYou.getByRole("button", { name: "More picks" });
  await more.scrollIntoViewIfNeeded();
  await expect.poll(() => forYou.locator(".card-link").count()).toBeGreaterThan(20);
  const page1 = [...recPages.entries()].find(([q]) => q.includes("offset=0"))?.[1] ?? [];
  const page2 = [...recPages.entries()].find(([q]) => q.includes("offset=20"))?.[1] ?? [];
  expect(page1.length).toBe(20);
  expect(page2.length).toBeGreaterThan(0);
  expect(page2.filter((id) => page1.includes(id))).toEqual([]);
  const hrefs = await forYou.locator(".card-link").evaluateAll((links) =>
    links.map((a) => a.getAttribute("href")),
  );
  expect(new Set(hrefs).size).toBe(hrefs.length);

  // "Not interested": the pick leaves at once and comes back on undo.
  const first = forYou.locator(".card-title").first();
  const title = (await first.textContent())!;
  await forYou.getByRole("button", { name: `Not interested in ${title}` }).click();
  await expect(page.getByRole("status").filter({ hasText: "will not be picked" })).toContainText(title);
  await expect(forYou.getByRole("link", { name: title, exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(forYou.getByRole("link", { name: title, exact: true })).toHaveCount(1);

  // My lists show what I did.
  await page.getByRole("link", { name: "Ratings" }).click();
  await expect(page.getByRole("row", { name: /The Godfather/ })).toBeVisible();
  await page.getByRole("link", { name: "History" }).click();
  await expect(page.getByRole("row", { name: /The Godfather/ })).toBeVisible();

  // An expired access token is refreshed (rotated) without the person noticing.
  const before = await page.evaluate(() => JSON.parse(localStorage.getItem("movierec.session")!));
  await page.evaluate((s) => {
    localStorage.setItem("movierec.session", JSON.stringify({ ...s, access: "expired.token.here" }));
  }, before);
  await page.reload();
  await expect(page.getByRole("row", { name: /The Godfather/ })).toBeVisible();
  const rotated = await page.evaluate(() => JSON.parse(localStorage.getItem("movierec.session")!));
  expect(rotated.refresh).not.toBe(before.refresh);

  // When the refresh fails too, a 401 sends the person to log in, then back.
  await page.evaluate(() => {
    localStorage.setItem("movierec.session", JSON.stringify({ access: "bad.a.b", refresh: "bad" }));
  });
  await page.goto("/me/ratings");
  await expect(page).toHaveURL(/\/login\?next=%2Fme%2Fratings/);
  await expect(page.getByText("Your session ended")).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/me\/ratings$/);
  await expect(page.getByRole("row", { name: /The Godfather/ })).toBeVisible();

  // Delete the account, with confirmation: signed out, and the login is refused.
  await page.getByRole("link", { name: "Vera" }).click();
  await page.getByRole("button", { name: "Delete my account…" }).click();
  await page.getByLabel("Type your password to confirm").fill(PASSWORD);
  await page.getByRole("button", { name: "Delete my account for good" }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  const login = await page.request.post("/auth/login", { form: { username: email, password: PASSWORD } });
  expect(login.status()).toBe(401);
});
