import Fluent
import Metrics
import NIOCore
import Prometheus
import SQLKit
import Vapor

/// Prometheus metrics through swift-metrics. Vapor itself records `http_requests_total` and
/// `http_request_duration_seconds` per route; this adds the database pool and the heap (`Heap`).
enum Observability {
    static let registry = PrometheusCollectorRegistry()

    /// swift-metrics can be bootstrapped once per process; every app in the process (tests make many) shares it.
    static let bootstrap: Void = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
            .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
    }()

    static func render() -> String { registry.emitToString() + Heap.render() }
}

/// Every few seconds, times how long it takes to get a pooled connection and run `SELECT 1`. A saturated
/// pool shows up as a rising acquire time long before requests time out.
struct DatabasePoolProbe: LifecycleHandler {
    let interval: TimeAmount

    func didBoot(_ app: Application) throws {
        let kind = app.config.database
        let maxConnections: Int
        switch kind {
        case .sqlite: maxConnections = 1
        case .postgres: maxConnections = app.config.postgresPoolSize
        }
        Gauge(label: "victimcare_db_pool_max_connections_per_event_loop").record(maxConnections)
        Gauge(label: "victimcare_db_event_loops").record(System.coreCount)
        let timer = Metrics.Timer(label: "victimcare_db_pool_acquire_and_ping_seconds")
        let failures = Counter(label: "victimcare_db_ping_failures_total")
        let eventLoop = app.eventLoopGroup.next()
        eventLoop.scheduleRepeatedAsyncTask(initialDelay: .seconds(1), delay: interval) { _ in
            let started = DispatchTime.now().uptimeNanoseconds
            let promise = eventLoop.makePromise(of: Void.self)
            promise.completeWithTask {
                do {
                    try await (app.db as? any SQLDatabase)?.raw("SELECT 1").run()
                    timer.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
                } catch {
                    failures.increment()
                }
            }
            return promise.futureResult
        }
    }
}
