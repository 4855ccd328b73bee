import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { ApiError } from "./api/client";
import { endReason, onSessionEnd, useSession } from "./api/session";
import { Layout } from "./components/Layout";
import { AccountPage } from "./pages/Account";
import { AdminPage } from "./pages/admin/Admin";
import { ExperimentPage, ExperimentsPage } from "./pages/admin/Experiments";
import { ImportsPage } from "./pages/admin/Imports";
import { MovieFormPage } from "./pages/admin/MovieForm";
import { RequireAdmin } from "./pages/admin/RequireAdmin";
import { HistoryPage } from "./pages/History";
import { HomePage } from "./pages/Home";
import { LoginPage } from "./pages/Login";
import { MoviePage } from "./pages/Movie";
import { NotFoundPage } from "./pages/NotFound";
import { RatingsPage } from "./pages/Ratings";
import { SearchPage } from "./pages/Search";
import { SignupPage } from "./pages/Signup";

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // A 4xx will not change by asking again; a network error or a 5xx may.
        retry: (count, error) =>
          count < 2 && !(error instanceof ApiError && error.status < 500),
      },
    },
  });
}

/** When a session ends because it could not be refreshed: to the login page, and back. */
function SessionGuard() {
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(
    () =>
      onSessionEnd((reason) => {
        if (reason === "expired") {
          const next = encodeURIComponent(location.pathname + location.search);
          navigate(`/login?next=${next}&expired=1`);
        }
      }),
    [navigate, location],
  );
  return null;
}

/** A page for signed-in people only: others log in first and come back. */
export function RequireSession({ children }: { children: React.ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = encodeURIComponent(location.pathname + location.search);
    const expired = endReason() === "expired" ? "&expired=1" : "";
    return <Navigate to={`/login?next=${next}${expired}`} replace />;
  }
  return <>{children}</>;
}

export function AppRoutes() {
  return (
    <>
      <SessionGuard />
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<HomePage />} />
          <Route path="search" element={<SearchPage />} />
          <Route path="movie/:id" element={<MoviePage />} />
          <Route path="login" element={<LoginPage />} />
          <Route path="signup" element={<SignupPage />} />
          <Route
            path="me/history"
            element={
              <RequireSession>
                <HistoryPage />
              </RequireSession>
            }
          />
          <Route
            path="me/ratings"
            element={
              <RequireSession>
                <RatingsPage />
              </RequireSession>
            }
          />
          <Route
            path="account"
            element={
              <RequireSession>
                <AccountPage />
              </RequireSession>
            }
          />
          {[
            ["admin", <AdminPage />],
            ["admin/movies/new", <MovieFormPage />],
            ["admin/movies/:id/edit", <MovieFormPage />],
            ["admin/imports", <ImportsPage />],
            ["admin/experiments", <ExperimentsPage />],
            ["admin/experiments/:id", <ExperimentPage />],
          ].map(([path, page]) => (
            <Route
              key={path as string}
              path={path as string}
              element={
                <RequireSession>
                  <RequireAdmin>{page}</RequireAdmin>
                </RequireSession>
              }
            />
          ))}
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </>
  );
}

export function App({ client = makeQueryClient() }: { client?: QueryClient }) {
  return (
    <QueryClientProvider client={client}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </QueryClientProvider>
  );
}
