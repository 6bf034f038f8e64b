// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "ecr-sessions",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ecr-sessions", targets: ["ecr-sessions"]),
        .library(name: "ECRSessions", targets: ["ECRSessions"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // libcurl's headers only (libcurl4-openssl-dev): the library is opened with dlopen on the first request.
        // DWARF 4 as the Swift code's: valgrind 3.19 (Debian 12), which scripts/benchmark runs, cannot read clang's
        // default DWARF 5 and gives up on the whole binary.
        .target(
            name: "CCurl",
            cSettings: [.unsafeFlags(["-gdwarf-4"])],
            linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .target(
            name: "ECRSessions",
            dependencies: ["CCurl", "CSQLite"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ecr-sessions",
            dependencies: [
                "ECRSessions",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict + [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))],
            // The Swift runtime and Foundation linked in, in release builds: dynamic linking of their ~20 libraries
            // was half of every command's start-up (BENCHMARKS.md). And not position-independent, as Go's binaries
            // (amazon-ecr-credential-helper among them): as a PIE, the loader rewrote its 78,000 relative
            // relocations on every start, a sixth of `--version`'s CPU time. The libraries, heap and stack are still
            // placed at random. Debug builds and the tests link as before.
            linkerSettings: [
                .unsafeFlags(["-static-stdlib", "-Xclang-linker", "-no-pie"], .when(configuration: .release))
            ]
        ),
        // Micro-benchmarks that scripts/benchmark runs (the SigV4 signer), outside the product's command line.
        .executableTarget(
            name: "ecr-sessions-bench",
            dependencies: ["ECRSessions"],
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: ["ECRSessions", "CSQLite"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ECRSessionsTests",
            dependencies: ["ECRSessions", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ECRSessions", "TestSupport", "ecr-sessions"],
            swiftSettings: strict
        ),
    ]
)
