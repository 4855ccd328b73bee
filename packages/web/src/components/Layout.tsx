import { type FormEvent, useState } from "react";
import { Link, NavLink, Outlet, useNavigate } from "react-router";
import { logOut } from "../api/client";
import { useMe } from "../api/queries";
import { useSession } from "../api/session";

export function Layout() {
  const session = useSession();
  const me = useMe();
  const navigate = useNavigate();
  const [q, setQ] = useState("");
  const search = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/search?q=${encodeURIComponent(q.trim())}`);
  };
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand" aria-label="movierec home">
          movie<span>rec</span>
        </Link>
        <form role="search" className="header-search" onSubmit={search}>
          <label htmlFor="header-q" className="visually-hidden">
            Search movies
          </label>
          <input
            id="header-q"
            type="search"
            placeholder="Search movies, people…"
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
          <button type="submit">Search</button>
        </form>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/search">Browse</NavLink>
            </li>
            {session ? (
              <>
                <li>
                  <NavLink to="/me/history">History</NavLink>
                </li>
                <li>
                  <NavLink to="/me/ratings">Ratings</NavLink>
                </li>
                {me.data?.role === "admin" && (
                  <li>
                    <NavLink to="/admin">Admin</NavLink>
                  </li>
                )}
                <li>
                  <NavLink to="/account">{me.data ? me.data.first_name : "Account"}</NavLink>
                </li>
                <li>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => void logOut().then(() => navigate("/"))}
                  >
                    Log out
                  </button>
                </li>
              </>
            ) : (
              <>
                <li>
                  <NavLink to="/login">Log in</NavLink>
                </li>
                <li>
                  <NavLink to="/signup" className="button-link">
                    Sign up
                  </NavLink>
                </li>
              </>
            )}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>movierec — open movie recommendations. Data: MovieLens, IMDb top 1000.</p>
      </footer>
    </>
  );
}
