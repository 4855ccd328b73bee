import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { makeQueryClient } from "../App";
import { claims } from "../api/session";
import { uniqueItems } from "./Home";
import { LoginPage, safeNext } from "./Login";
import { histogramRows } from "./Movie";

const item = (movie_id: number) => ({
  movie_id,
  title: `Movie ${movie_id}`,
  year: null,
  genres: [] as string[],
  score: 1,
  reason: { kind: "popular" as const, text: "Popular" },
});

describe("For you paging", () => {
  it("shows each movie once however the pages overlap", () => {
    const pages = [{ items: [item(1), item(2)] }, { items: [item(2), item(3)] }];
    expect(uniqueItems(pages).map((i) => i.movie_id)).toEqual([1, 2, 3]);
  });
});

describe("the rating histogram", () => {
  it("lists the scores from five stars down, bars relative to the largest", () => {
    const histogram = { "0.5": 0, "1.0": 1, "4.5": 4, "5.0": 2 };
    const rows = histogramRows({ movie_id: 1, count: 7, average: 4, histogram });
    expect(rows.map((r) => r.score)).toEqual(["5.0", "4.5", "1.0", "0.5"]);
    expect(rows[1].share).toBe(1);
    expect(rows[0].share).toBe(0.5);
  });
});

describe("logging in", () => {
  it("goes back only to a page of this app", () => {
    expect(safeNext("/movie/1")).toBe("/movie/1");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });

  it("has labelled fields and says why the session ended", () => {
    render(
      <QueryClientProvider client={makeQueryClient()}>
        <MemoryRouter initialEntries={["/login?next=/me/ratings&expired=1"]}>
          <LoginPage />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    expect(screen.getByLabelText("Email")).toHaveAttribute("type", "email");
    expect(screen.getByLabelText("Password")).toHaveAttribute("autocomplete", "current-password");
    expect(screen.getByRole("status")).toHaveTextContent("Your session ended");
  });

  it("reads the role from an access token", () => {
    const body = btoa(JSON.stringify({ sub: "u1", role: "admin" })).replace(/=+$/, "");
    expect(claims({ access: `h.${body}.s`, refresh: "r" })).toEqual({ sub: "u1", role: "admin" });
    expect(claims({ access: "garbage", refresh: "r" })).toBeNull();
  });
});

describe("experiment results", () => {
  it("show a rate with its interval, or a dash without data", async () => {
    const { formatInterval } = await import("./admin/Experiments");
    expect(formatInterval({ value: 0.1234, low: 0.1, high: 0.15 })).toBe("12.3 % (10.0 % – 15.0 %)");
    expect(formatInterval({ value: 4.25, low: null, high: null }, false)).toBe("4.25");
    expect(formatInterval({ value: null, low: null, high: null })).toBe("—");
  });
});
