// Generated from openapi/ratings.json by scripts/generate-client.mjs: do not edit.

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
    "/ratings/{movie_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Rate a movie (201 when new, 200 when changed) */
        put: operations["set_rating_ratings__movie_id__put"];
        post?: never;
        /** Remove your rating of a movie */
        delete: operations["delete_rating_ratings__movie_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ratings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your ratings */
        get: operations["list_ratings_ratings_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ratings/movies/{movie_id}/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Count, average and histogram of a movie's ratings (public) */
        get: operations["movie_summary_ratings_movies__movie_id__summary_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ratings/admin/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The service's outbox backlog, event, dead-letter and task queues (admin) */
        get: operations["service_status_ratings_admin_status_get"];
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
        /** Page[RatingOut] */
        Page_RatingOut_: {
            /** Items */
            items: components["schemas"]["RatingOut"][];
            /** Total */
            total: number;
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
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
        /** RatingIn */
        RatingIn: {
            /**
             * Score
             * @description 0.5 to 5.0 in steps of 0.5
             */
            score: number;
        };
        /** RatingOut */
        RatingOut: {
            /** Movie Id */
            movie_id: number;
            /** Title */
            title: string | null;
            /** Score */
            score: number;
            /**
             * Rated At
             * Format: date-time
             */
            rated_at: string;
        };
        /**
         * RatingSort
         * @enum {string}
         */
        RatingSort: "date" | "score";
        /** RatingSummaryOut */
        RatingSummaryOut: {
            /** Movie Id */
            movie_id: number;
            /** Count */
            count: number;
            /** Average */
            average: number | null;
            /**
             * Histogram
             * @description How many ratings of each score, '0.5' … '5.0'.
             */
            histogram: {
                [key: string]: number;
            };
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
    set_rating_ratings__movie_id__put: {
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
                "application/json": components["schemas"]["RatingIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RatingOut"];
                };
            };
            /** @description Rating created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
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
            /** @description Not logged in, or the account was deleted */
            401: {
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
    delete_rating_ratings__movie_id__delete: {
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
            /** @description Not logged in, or the account was deleted */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No rating of yours for this movie */
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
    list_ratings_ratings_get: {
        parameters: {
            query?: {
                /** @description date (newest first) or score (highest first) */
                sort?: components["schemas"]["RatingSort"];
                /** @description Only the entries of this movie */
                movie_id?: number | null;
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
                    "application/json": components["schemas"]["Page_RatingOut_"];
                };
            };
            /** @description Not logged in, or the account was deleted */
            401: {
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
    movie_summary_ratings_movies__movie_id__summary_get: {
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
                    "application/json": components["schemas"]["RatingSummaryOut"];
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
    service_status_ratings_admin_status_get: {
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
