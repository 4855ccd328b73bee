import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { describe, expect, it, vi } from "vitest";
import { Artwork, hash, titleLines } from "./Artwork";
import { Pager } from "./EntryList";
import { Field } from "./Field";
import { MovieCard } from "./MovieCard";
import { Stars } from "./Stars";

describe("Artwork", () => {
  it("is the same for the same movie and differs between movies", () => {
    const a = render(<Artwork title="The Godfather" genres={["Crime", "Drama"]} year={1972} />);
    const first = a.container.innerHTML;
    a.unmount();
    const again = render(<Artwork title="The Godfather" genres={["Crime", "Drama"]} year={1972} />);
    expect(again.container.innerHTML).toBe(first);
    again.unmount();
    const other = render(<Artwork title="Toy Story" genres={["Animation"]} year={1995} />);
    expect(other.container.innerHTML).not.toBe(first);
    expect(hash("a")).not.toBe(hash("b"));
  });

  it("carries the title in lines that fit, and is hidden from screen readers", () => {
    expect(titleLines("The Lord of the Rings: The Return of the King")).toEqual([
      "The Lord of",
      "the Rings:",
      "The Return of",
      "the King",
    ]);
    expect(titleLines("A B C D E F G H I J K L M N O P Q R S T U V W X Y Z", 3, 2)).toHaveLength(2);
    const { container } = render(<Artwork title="Heat" genres={[]} />);
    expect(container.querySelector("svg")).toHaveAttribute("aria-hidden", "true");
    expect(container.textContent).toContain("Heat");
  });
});

describe("Stars", () => {
  it("offers ten scores from half a star to five, by mouse and keyboard", async () => {
    const user = userEvent.setup();
    const chosen = vi.fn();
    render(<Stars value={3} onChange={chosen} />);
    const radios = screen.getAllByRole("radio");
    expect(radios).toHaveLength(10);
    expect(screen.getByRole("radio", { name: "3 stars" })).toBeChecked();
    await user.click(screen.getByRole("radio", { name: "4.5 stars" }));
    expect(chosen).toHaveBeenLastCalledWith(4.5);
    screen.getByRole("radio", { name: "3 stars" }).focus();
    await user.keyboard("{ArrowLeft}");
    expect(chosen).toHaveBeenLastCalledWith(2.5);
  });

  it("is a labelled group", () => {
    render(<Stars value={null} onChange={() => undefined} label="Rate Heat" />);
    expect(screen.getByRole("group", { name: "Rate Heat" })).toBeInTheDocument();
    expect(screen.getAllByRole("radio").every((r) => !(r as HTMLInputElement).checked)).toBe(true);
  });
});

describe("MovieCard", () => {
  it("links to the movie and shows the reason", () => {
    render(
      <MemoryRouter>
        <ul>
          <MovieCard
            movie={{ id: 858, title: "The Godfather", year: 1972, genres: ["Crime", "Drama"], rating_average: 4.29 }}
            reason="Because you watched Goodfellas"
          />
        </ul>
      </MemoryRouter>,
    );
    expect(screen.getByRole("link", { name: "The Godfather" })).toHaveAttribute("href", "/movie/858");
    expect(screen.getByText("Because you watched Goodfellas")).toBeInTheDocument();
    expect(screen.getByLabelText("community average 4.3 of 5")).toBeInTheDocument();
  });
});

describe("Field", () => {
  it("labels its input and ties its error to it", () => {
    render(<Field id="f-email" label="Email" error="Not an email." defaultValue="x" />);
    const input = screen.getByLabelText("Email");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("Not an email.");
  });
});

describe("Pager", () => {
  const at = (offset: number, total: number) =>
    render(
      <MemoryRouter>
        <Pager offset={offset} page={20} total={total} label="Pages" />
      </MemoryRouter>,
    );

  it("says where the page is and stops at both ends", () => {
    at(0, 45);
    expect(screen.getByRole("navigation", { name: "Pages" })).toHaveTextContent("1–20 of 45");
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Next" })).toBeEnabled();
  });

  it("is not there when there is nothing to page", () => {
    at(0, 0);
    expect(screen.queryByRole("navigation")).toBeNull();
  });
});
