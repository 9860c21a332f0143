import Foundation
import Testing

/// The built `anonvis-bench` binary, beside `anonvis` (the test target depends on both).
let benchBinary: URL? = anonvisBinary.map { $0.deletingLastPathComponent().appendingPathComponent("anonvis-bench") }
  .flatMap { FileManager.default.isExecutableFile(atPath: $0.path) ? $0 : nil }

/// Runs anonvis-bench with arguments, in the repository root.
func runBench(_ arguments: [String]) async throws -> RunResult {
  let binary = try #require(benchBinary, "anonvis-bench binary not found")
  return try await runTool(binary.path, arguments)
}

@Suite("The anonvis-bench binary", .cleansUp)
struct BenchTests {
  /// No assertion on time: speed is a figure, not a test. This is CI's bench run (`.ci/run` runs
  /// the README's `swift test`, and no second `--quick` after it): the figures are printed too,
  /// so CI's log shows them.
  @Test("--quick --json prints every figure, with the targets of the issue beside theirs")
  func benchQuick() async throws {
    let r = try await runBench(["--quick", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let figures = try #require(json["figures"] as? [[String: Any]])
    print(
      "anonvis-bench --quick (\(optimizedBuild ? "optimized" : "debug") build; printed, not asserted):\n"
        + figures.map { f in
          let value = (f["value"] as? Double).map { String(format: "%.4g", $0) } ?? "?"
          let target = (f["target"] as? Double).map { String(format: " (target %.4g)", $0) } ?? ""
          return "  \(f["name"] as? String ?? "?"): \(value) \(f["unit"] as? String ?? "")\(target)"
        }.joined(separator: "\n"))
    let names = figures.compactMap { $0["name"] as? String }
    var expected = [
      "W1 forking server 2.6.36", "peak resident memory after W1", "W1 forking server 6.1", "W2 daemon chain 2.6.36",
      "W2 daemon chain 6.1", "W3 KSM", "seek to a random step (p50)", "seek to a random step (p99)",
      "lay out and render one 200x60 frame", "render it again", "key to frame while stepping W1 (p50)",
      "key to frame while stepping W1 (p99)", "key to frame while stepping W1, matrix view (p50)",
      "key to frame while stepping W1, matrix view (p99)", "key to frame while stepping W1 beside 2.6.34 (p50)",
      "key to frame while stepping W1 beside 2.6.34 (p99)", "redraw the same step beside 2.6.34", "record W1",
      "cast size / UTF-8 bytes of the changed cells",
      "cast output without event framing and markers / changed-cell bytes",
      "floor for any cast of these frames / changed-cell bytes", "cast size / that floor",
      "race explorer on D.2", "peak resident memory",
    ]
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/dot") {
      expected.append("Graphviz dot -Tplain / anonvis")
    }
    for name in expected { #expect(names.contains { $0.hasPrefix(name) }, "missing figure '\(name)'") }
    for f in figures {
      let value = try #require(f["value"] as? Double)
      // A count of reduced expansions is 0 where no CPU's micro-step is independent of the
      // others' (the COW scene: every step allocates a page); every other figure is positive.
      let count = (f["name"] as? String)?.contains("expanded by one CPU alone") == true
      #expect(value.isFinite && (value > 0 || (count && value == 0)), "\(f)")
    }
    // The diagram's figures on W1's largest step (drawn as the matrix) and on the largest step
    // drawn as a diagram: its layout and a window's drawing, each beside the frame budget.
    for step in ["diagram of the largest step (", "diagram of the largest step drawn as one ("] {
      for part in [": lay out", ": draw a 200x60 window"] {
        let f = figures.first { ($0["name"] as? String).map { $0.hasPrefix(step) && $0.contains(part) } == true }
        #expect(f?["target"] as? Double != nil, "no figure, or no target, for '\(step)…\(part)'")
      }
    }
    for name in [
      "seek to a random step (p50)", "lay out and render",
      "key to frame while stepping W1 (p99)", "key to frame while stepping W1, matrix view (p99)", "cast size",
    ] {
      let f = figures.first { ($0["name"] as? String)?.hasPrefix(name) == true }
      #expect(f?["target"] as? Double != nil, "no target beside '\(name)'")
    }
    #expect(names.contains { $0.contains("(201 anon_vmas at the end)") })
    #expect(names.contains { $0.contains("(3 anon_vmas at the end)") })
    let badGroup = try await runBench(["--only", "nope"])
    #expect(badGroup.status == 2 && badGroup.stderr.contains("unknown group 'nope'"))
    let badWorkload = try await runBench(["--emit", "nope"])
    #expect(badWorkload.status == 2 && badWorkload.stderr.contains("unknown workload 'nope'"))
  }

  @Test("`anonvis bench` is gone from the user's binary")
  func notInTheCLI() async throws {
    let r = try await run(["bench", "--quick"])
    #expect(r.status == 64, "\(r.stderr)")
  }
}
