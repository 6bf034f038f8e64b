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
        // libsqlite3-dev's header and library (scripts/bootstrap), linked by the module map's `link "sqlite3"`; the
        // system's default search paths find both, so no pkg-config: its `-L/usr/lib/...` would come first on the
        // link line and keep release builds from taking the archive instead (Sources/StaticLibraries).
        .systemLibrary(name: "CSQLite"),
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
            // placed at random. SQLite and libstdc++ linked in too, on Linux, through the linker scripts of
            // Sources/StaticLibraries found first on the search path: loading and relocating those two shared
            // libraries was 3 M of a cached `credential-helper get`'s 7.3 M instructions. Only libc, libm and libgcc_s
            // are left to the loader (libcurl is opened on the first request). Debug builds and the tests link as
            // before.
            linkerSettings: [
                .unsafeFlags(["-static-stdlib", "-Xclang-linker", "-no-pie"], .when(configuration: .release)),
                .unsafeFlags(
                    ["-L", Context.packageDirectory + "/Sources/StaticLibraries"],
                    .when(platforms: [.linux], configuration: .release)),
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
