// Generated from openapi/movies.json by scripts/generate-client.mjs: do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Process is alive */
        get: operations["healthz_healthz_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Dependencies' status; 503 only when the database is unreachable */
        get: operations["readyz_readyz_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/movies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Search, filter and sort the catalog */
        get: operations["list_movies_movies_get"];
        put?: never;
        /** Add a movie */
        post: operations["create_movie_movies_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/movies/genres": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The genre vocabulary with movie counts */
        get: operations["list_genres_movies_genres_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/movies/people": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Find actors and directors by name */
        get: operations["list_people_movies_people_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/movies/{movie_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One movie, in full */
        get: operations["get_movie_movies__movie_id__get"];
        put?: never;
        post?: never;
        /** Remove a movie */
        delete: operations["delete_movie_movies__movie_id__delete"];
        options?: never;
        head?: never;
        /** Change a movie */
        patch: operations["update_movie_movies__movie_id__patch"];
        trace?: never;
    };
    "/movies/imports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a catalog import in the background (Celery) */
        post: operations["start_import_movies_imports_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/movies/imports/{job_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Progress and report of an import */
        get: operations["get_import_movies_imports__job_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/movies/admin/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The service's outbox backlog, event, dead-letter and task queues (admin) */
        get: operations["service_status_movies_admin_status_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** GenreOut */
        GenreOut: {
            /** Name */
            name: string;
            /** Movies */
            movies: number;
        };
        /** ImportJobOut */
        ImportJobOut: {
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Status */
            status: string;
            /** Stage */
            stage: string;
            /** Done */
            done: number;
            /** Total */
            total: number;
            /** Report */
            report: {
                [key: string]: unknown;
            };
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Finished At */
            finished_at: string | null;
        };
        /** ImportRequest */
        ImportRequest: {
            /**
             * Data Dir
             * @description MovieLens folder on the server; default: the configured data folder.
             */
            data_dir?: string | null;
            /** Imdb File */
            imdb_file?: string | null;
        };
        /** MovieCreate */
        MovieCreate: {
            /** Title */
            title: string;
            /** Year */
            year?: number | null;
            /** Genres */
            genres?: ("Action" | "Adventure" | "Animation" | "Children" | "Comedy" | "Crime" | "Documentary" | "Drama" | "Fantasy" | "Film-Noir" | "Horror" | "IMAX" | "Musical" | "Mystery" | "Romance" | "Sci-Fi" | "Thriller" | "War" | "Western")[];
            /** Description */
            description?: string | null;
            /** Runtime Minutes */
            runtime_minutes?: number | null;
            /** Imdb Id */
            imdb_id?: string | null;
            /** Tmdb Id */
            tmdb_id?: number | null;
            /** Imdb Rating */
            imdb_rating?: number | null;
            /** Actors */
            actors?: string[];
            /** Directors */
            directors?: string[];
            /** Tags */
            tags?: string[];
        };
        /** MovieDetail */
        MovieDetail: {
            /** Id */
            id: number;
            /** Title */
            title: string;
            /** Year */
            year: number | null;
            /** Genres */
            genres: string[];
            /** Directors */
            directors: string[];
            /** Imdb Rating */
            imdb_rating: number | null;
            /** Rating Average */
            rating_average: number | null;
            /** Rating Count */
            rating_count: number;
            /** Popularity */
            popularity: number;
            /** Description */
            description: string | null;
            /** Runtime Minutes */
            runtime_minutes: number | null;
            /** Imdb Id */
            imdb_id: string | null;
            /** Tmdb Id */
            tmdb_id: number | null;
            /** Actors */
            actors: string[];
            /** Tags */
            tags: string[];
            /** Watch Count */
            watch_count: number;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /** MovieSummary */
        MovieSummary: {
            /** Id */
            id: number;
            /** Title */
            title: string;
            /** Year */
            year: number | null;
            /** Genres */
            genres: string[];
            /** Directors */
            directors: string[];
            /** Imdb Rating */
            imdb_rating: number | null;
            /** Rating Average */
            rating_average: number | null;
            /** Rating Count */
            rating_count: number;
            /** Popularity */
            popularity: number;
        };
        /** MovieUpdate */
        MovieUpdate: {
            /** Title */
            title?: string | null;
            /** Year */
            year?: number | null;
            /** Genres */
            genres?: ("Action" | "Adventure" | "Animation" | "Children" | "Comedy" | "Crime" | "Documentary" | "Drama" | "Fantasy" | "Film-Noir" | "Horror" | "IMAX" | "Musical" | "Mystery" | "Romance" | "Sci-Fi" | "Thriller" | "War" | "Western")[] | null;
            /** Description */
            description?: string | null;
            /** Runtime Minutes */
            runtime_minutes?: number | null;
            /** Imdb Id */
            imdb_id?: string | null;
            /** Tmdb Id */
            tmdb_id?: number | null;
            /** Imdb Rating */
            imdb_rating?: number | null;
            /** Actors */
            actors?: string[] | null;
            /** Directors */
            directors?: string[] | null;
            /** Tags */
            tags?: string[] | null;
        };
        /** OutboxState */
        OutboxState: {
            /**
             * Backlog
             * @description Events and tasks recorded, not yet published
             */
            backlog: number;
            /**
             * Oldest Seconds
             * @description Age of the oldest of them
             */
            oldest_seconds: number | null;
        };
        /** Page[MovieSummary] */
        Page_MovieSummary_: {
            /** Items */
            items: components["schemas"]["MovieSummary"][];
            /** Total */
            total: number;
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
        };
        /** Page[PersonOut] */
        Page_PersonOut_: {
            /** Items */
            items: components["schemas"]["PersonOut"][];
            /** Total */
            total: number;
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
        };
        /** PersonOut */
        PersonOut: {
            /** Id */
            id: number;
            /** Name */
            name: string;
            /** Roles */
            roles: string[];
            /** Movies */
            movies: number;
        };
        /** QueueDepth */
        QueueDepth: {
            /** Name */
            name: string;
            /**
             * Messages
             * @description Messages ready; null when unknown or missing
             */
            messages: number | null;
            /**
             * Consumers
             * @description Consumers attached; null when unknown
             */
            consumers: number | null;
        };
        /** ServiceStatus */
        ServiceStatus: {
            /** Service */
            service: string;
            /** Version */
            version: string;
            /**
             * Checked At
             * Format: date-time
             */
            checked_at: string;
            /** @description Null while the database does not answer */
            outbox: components["schemas"]["OutboxState"] | null;
            /** @description The event queue (null: consumes none) */
            events: components["schemas"]["QueueDepth"] | null;
            dead_letters: components["schemas"]["QueueDepth"] | null;
            tasks: components["schemas"]["QueueDepth"];
            /** Broker Reachable */
            broker_reachable: boolean;
        };
        /**
         * Sort
         * @enum {string}
         */
        Sort: "relevance" | "popularity" | "rating" | "year" | "title";
        /**
         * Problem
         * @description An error response (RFC 9457 problem details).
         */
        Problem: {
            /**
             * Type
             * @default about:blank
             */
            type: string;
            /** Title */
            title: string;
            /** Status */
            status: number;
            /**
             * Detail
             * @default null
             */
            detail: string | null;
            /**
             * Instance
             * @default null
             */
            instance: string | null;
            /**
             * Request Id
             * @default null
             */
            request_id: string | null;
            /**
             * Errors
             * @default null
             */
            errors: components["schemas"]["FieldError"][] | null;
        };
        /** FieldError */
        FieldError: {
            /** Field */
            field: string;
            /** Location */
            location: string;
            /** Message */
            message: string;
            /**
             * Type
             * @default null
             */
            type: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    healthz_healthz_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
        };
    };
    readyz_readyz_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The database is unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_movies_movies_get: {
        parameters: {
            query?: {
                /** @description Full-text over title, description, people; typos ok. */
                q?: string | null;
                /** @description Repeatable; all must match. */
                genre?: ("Action" | "Adventure" | "Animation" | "Children" | "Comedy" | "Crime" | "Documentary" | "Drama" | "Fantasy" | "Film-Noir" | "Horror" | "IMAX" | "Musical" | "Mystery" | "Romance" | "Sci-Fi" | "Thriller" | "War" | "Western")[] | null;
                year_from?: number | null;
                year_to?: number | null;
                actor?: string | null;
                director?: string | null;
                /** @description Default: relevance with q, else popularity. */
                sort?: components["schemas"]["Sort"] | null;
                /** @description Items per page (1–100). */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_MovieSummary_"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_movie_movies_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MovieCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MovieDetail"];
                };
            };
            /** @description Body could not be decoded */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an administrator */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_genres_movies_genres_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GenreOut"][];
                };
            };
        };
    };
    list_people_movies_people_get: {
        parameters: {
            query?: {
                q?: string | null;
                /** @description Items per page (1–100). */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_PersonOut_"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_movie_movies__movie_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Movie id */
                movie_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MovieDetail"];
                };
            };
            /** @description Unknown movie */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_movie_movies__movie_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Movie id */
                movie_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an administrator */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown movie */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_movie_movies__movie_id__patch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Movie id */
                movie_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MovieUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MovieDetail"];
                };
            };
            /** @description Body could not be decoded */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an administrator */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown movie */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    start_import_movies_imports_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImportRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportJobOut"];
                };
            };
            /** @description Body could not be decoded */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an administrator */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_import_movies_imports__job_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportJobOut"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an administrator */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown job */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    service_status_movies_admin_status_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceStatus"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
