import { Link } from "react-router";
import { usePageTitle } from "../components/usePageTitle";

export function NotFoundPage({ what = "page" }: { what?: string }) {
  usePageTitle("Not found");
  return (
    <div className="form-page">
      <h1>No such {what}</h1>
      <p>
        It may have been removed, or the address is mistyped. <Link to="/">Back home</Link> or{" "}
        <Link to="/search">search the catalog</Link>.
      </p>
    </div>
  );
}
