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
}: {
  movie: CardMovie;
  reason?: string;
  /** Offers "Not interested" (recommendations only). */
  onDismiss?: () => void;
}) {
  return (
    <li className="card">
      <Link to={`/movie/${movie.id}`} className="card-link">
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
