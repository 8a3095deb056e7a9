import Fluent
import SQLKit
import Vapor

/// Liveness, readiness, metrics and the API description. None of these need a session.
struct OpsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("healthz", use: healthz).access(.open("liveness for the load balancer"))
        routes.get("readyz", use: readyz).access(.open("readiness for the load balancer"))
        routes.get("metrics", use: metrics).access(.open("the metrics token is checked by the handler"))
        routes.get("api", "v1", "openapi.json", use: openAPI).access(.open("the API's public description"))
    }

    @Sendable func healthz(req: Request) -> Response {
        Response(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8"], body: "ok\n")
    }

    /// Ready when the database answers.
    @Sendable func readyz(req: Request) async -> Response {
        do {
            try await (req.db as? any SQLDatabase)?.raw("SELECT 1").run()
            return Response(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8"], body: "ready\n")
        } catch {
            req.logger.warning("readiness check failed", metadata: ["error_type": "\(type(of: error))"])
            return Response(
                status: .serviceUnavailable, headers: ["Content-Type": "text/plain; charset=utf-8"],
                body: "database unreachable\n")
        }
    }

    /// Prometheus metrics, for the scraper holding `METRICS_TOKEN` only: route timings and pool use tell an
    /// outsider how the force works (2026-11-30, issue 12). With no token set, nobody is served.
    @Sendable func metrics(req: Request) -> Response {
        guard let expected = req.config.metricsToken, let sent = req.headers.bearerAuthorization?.token,
            Secrets.constantTimeEquals(sent, expected)
        else {
            return Response(
                status: .unauthorized,
                headers: ["WWW-Authenticate": "Bearer", "Content-Type": "text/plain; charset=utf-8"],
                body: "Send the metrics token (METRICS_TOKEN) as Authorization: Bearer <token>.\n")
        }
        return Response(
            status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(string: Observability.render()))
    }

    @Sendable func openAPI(req: Request) async throws -> Response {
        let path = req.application.directory.resourcesDirectory + "openapi.json"
        let response = try await req.fileio.asyncStreamFile(at: path)
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        return response
    }
}
