// swift-tools-version: 6.2
import PackageDescription

let package = Package(
  name: "anonvis",
  products: [.executable(name: "anonvis", targets: ["anonvis"])],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
    .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
  ],
  targets: [
    // The one escaper for outside text, the terminal's display widths, number grouping (pure).
    .target(name: "SafeText"),
    // The executables' standard output and error, progress line and ctrl-C (anonvis, anonvis-bench).
    .target(name: "StandardStreams", dependencies: ["SafeText"]),
    // Pure model of the Linux anon_vma code: no I/O, no clocks, no randomness.
    .target(name: "AnonVMASim", dependencies: ["SafeText"]),
    // Scene language: lexer, parser, diagnostics (pure).
    .target(name: "SceneScript", dependencies: ["AnonVMASim", "SafeText"]),
    // Runs a scene into a timeline of states, evaluates expectations, state JSON (pure).
    .target(name: "ScenePlayer", dependencies: ["AnonVMASim", "SceneScript", "SafeText"]),
    // `anonvis conform`: the model's and the kernel's facts after a step and their comparison (pure).
    .target(name: "Conformance", dependencies: ["AnonVMASim", "SceneScript", "ScenePlayer"]),
    // The executor of `anonvis conform`: real processes on the running kernel, driven over pipes (C).
    .executableTarget(name: "anonvis-conform-exec"),
    // The one drawing surface (cell buffer) and its encoders (pure).
    .target(name: "TermRender", dependencies: ["SafeText"]),
    // Elm-style app: state, reducer, views (pure).
    .target(name: "AppCore", dependencies: ["AnonVMASim", "SceneScript", "ScenePlayer", "TermRender", "Conformance"]),
    // Recordings of the runtime's frames (asciicast) and SVG export.
    .target(name: "Recording", dependencies: ["AnonVMASim", "SceneScript", "ScenePlayer", "TermRender", "AppCore"]),
    // ncursesw, through a module map (see code-anchors.md §5.2).
    .systemLibrary(name: "CNCursesW", providers: [.apt(["libncurses-dev"])]),
    // The only module that imports ncurses.
    .target(name: "NcursesBackend", dependencies: ["CNCursesW", "TermRender"]),
    .executableTarget(
      name: "anonvis",
      dependencies: [
        "AnonVMASim", "SceneScript", "ScenePlayer", "TermRender", "AppCore", "Recording", "NcursesBackend",
        "StandardStreams", "Conformance", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // Helpers the test targets share: golden files, the repository root, tmux sessions, the app driver.
    .target(
      name: "TestSupport", dependencies: ["AppCore", "Conformance", "SceneScript", "ScenePlayer", "TermRender"],
      path: "Tests/TestSupport"),
    // The bench's generated workloads (scene text), for the bench and its tests.
    .target(name: "Workloads", dependencies: ["AnonVMASim"], path: "Benchmarks/Workloads"),
    // Speed and memory figures: `swift run -c release anonvis-bench` (not a product).
    .executableTarget(
      name: "anonvis-bench",
      dependencies: [
        "AnonVMASim", "SceneScript", "ScenePlayer", "TermRender", "AppCore", "Recording", "SafeText", "Workloads",
        "StandardStreams", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/anonvis-bench"),
    .testTarget(
      name: "AnonVMASimTests",
      dependencies: [
        "AnonVMASim", "SceneScript", "ScenePlayer", "TestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]),
    .testTarget(name: "SceneScriptTests", dependencies: ["SceneScript"]),
    .testTarget(
      name: "ScenePlayerTests",
      dependencies: ["ScenePlayer", "SceneScript", "AnonVMASim", "SafeText", "TestSupport", "Workloads"],
      exclude: ["Golden"]),
    .testTarget(
      name: "AppCoreTests",
      dependencies: ["AppCore", "TermRender", "ScenePlayer", "SceneScript", "TestSupport", "Workloads", "Conformance"],
      exclude: ["Golden"]),
    .testTarget(name: "TermRenderTests", dependencies: ["TermRender", "SafeText", "SceneScript"]),
    .testTarget(name: "RecordingTests", dependencies: ["Recording", "AppCore", "TermRender", "TestSupport"]),
    .testTarget(
      name: "ConformanceTests", dependencies: ["Conformance", "AnonVMASim", "SceneScript", "ScenePlayer"]),
    .testTarget(
      name: "EndToEndTests", dependencies: ["anonvis", "anonvis-bench", "anonvis-conform-exec", "TestSupport"]),
  ]
)
