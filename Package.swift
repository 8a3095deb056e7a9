// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "VictimCare",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "victimcare", targets: ["victimcare"])
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.0"),
        .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.14.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.0"),
    ],
    targets: [
        // Pure rules and value types: Foundation only, no Vapor or Fluent.
        .target(
            name: "VictimCareDomain",
            swiftSettings: swiftSettings
        ),
        // libqrencode from Debian, and the QR codes drawn from it as PNG and SVG.
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .target(
            name: "VictimCareQR",
            dependencies: ["CQRencode"],
            swiftSettings: swiftSettings
        ),
        // Starting a program without Foundation's `Process` (see `Subprocess`).
        .target(name: "CSpawn"),
        // jemalloc from Debian: the process's allocator, and its statistics for `/metrics` (see `Heap`).
        .systemLibrary(name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),
        .target(
            name: "VictimCareServer",
            dependencies: [
                "VictimCareDomain",
                "VictimCareQR",
                "CSpawn",
                .target(name: "CJemalloc", condition: .when(platforms: [.linux])),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "LeafKit", package: "leaf-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "victimcare",
            dependencies: ["VictimCareServer"],
            swiftSettings: swiftSettings
        ),
        // Benchmarks of the pure parts (the obligation engine, QR codes); no server, no database.
        .executableTarget(
            name: "victimcare-bench",
            dependencies: ["VictimCareDomain", "VictimCareQR"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictimCareDomainTests",
            dependencies: ["VictimCareDomain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictimCareServerTests",
            dependencies: [
                "VictimCareServer",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
