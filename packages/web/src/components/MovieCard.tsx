import { useEffect, useRef } from "react";
import { Link } from "react-router";
import { Artwork } from "./Artwork";

export type CardMovie = {
  id: number;
  title: string;
  year?: number | null;
  genres: string[];
  rating_average?: number | null;
};

export function MovieCard({
  movie,
  reason,
  onDismiss,
  onSeen,
  onOpen,
}: {
  movie: CardMovie;
  reason?: string;
  /** Offers "Not interested" (recommendations only). */
  onDismiss?: () => void;
  /** Called once, when half the card has been on screen. */
  onSeen?: () => void;
  /** Called when the card is opened. */
  onOpen?: () => void;
}) {
  const card = useRef<HTMLLIElement>(null);
  const seen = useRef(onSeen);
  seen.current = onSeen;
  const watched = onSeen !== undefined;
  useEffect(() => {
    const target = card.current;
    if (!target || !watched || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          seen.current?.();
          observer.disconnect();
        }
      },
      { threshold: 0.5 },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [watched]);
  return (
    <li className="card" ref={card}>
      <Link to={`/movie/${movie.id}`} className="card-link" onClick={onOpen}>
        <Artwork title={movie.title} genres={movie.genres} year={movie.year} />
        <span className="card-title">{movie.title}</span>
      </Link>
      <span className="card-meta">
        {[movie.year, movie.genres.slice(0, 2).join(", ")].filter(Boolean).join(" · ")}
        {movie.rating_average != null && (
          <>
            {" · "}
            <span aria-label={`community average ${movie.rating_average.toFixed(1)} of 5`}>
              ★ {movie.rating_average.toFixed(1)}
            </span>
          </>
        )}
      </span>
      {reason && <span className="card-reason">{reason}</span>}
      {onDismiss && (
        <button
          type="button"
          className="card-dismiss"
          onClick={onDismiss}
          aria-label={`Not interested in ${movie.title}`}
        >
          Not interested
        </button>
      )}
    </li>
  );
}

/** A titled row (or grid) of movie cards. */
export function MovieRow({
  title,
  children,
  grid = false,
}: {
  title: string;
  children: React.ReactNode;
  grid?: boolean;
}) {
  const id = `row-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section className="row" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ul className={grid ? "cards grid" : "cards"}>{children}</ul>
    </section>
  );
}
