// swift-tools-version:6.0
// Issue 17: GRDB against SQLiteNIO on the hot paths of VictimCare's SQLite use, one library per process (never one
// SQLite file through two libraries in one process). Built and run by `bench/sqlite-libraries.sh`.
import PackageDescription

let package = Package(
    name: "sqlite-libraries",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.0"),
    ],
    targets: [
        .target(name: "HotPathData"),
        .executableTarget(
            name: "grdb-hot-paths",
            dependencies: ["HotPathData", .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "sqlitenio-hot-paths",
            dependencies: ["HotPathData", .product(name: "SQLiteNIO", package: "sqlite-nio")]),
    ],
    swiftLanguageModes: [.v5]
)
