import Foundation
import TestSupport
import Testing

/// The number of micro-steps of `step` (`render --micro 1` shows `K.1/N`), 0 for none.
func microCount(_ scene: String, step: Int) async throws -> Int {
  let r = try await run(["render", scene, "--step", "\(step)", "--micro", "1", "--size", "100x30"])
  guard r.status == 0, let at = r.stdout.range(of: "\(step).1/") else { return 0 }
  return Int(r.stdout[at.upperBound...].prefix { $0.isNumber }) ?? 0
}

/// pyte's screen at every step and micro-step marker of a cast (Tests/tools/castcheck.py).
func replayMarkers(_ cast: String) async throws -> [String: String]? {
  guard let python = Tools.need(Tools.python, "python with pyte") else { return nil }
  let replay = try await runTool(python, [repoRoot.appendingPathComponent("Tests/tools/castcheck.py").path, cast])
  #expect(replay.status == 0, "\(replay.stderr)")
  return try #require(try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: String])
}

@Suite("Casts with micro-steps, notes and v3", .cleansUp)
struct CastOptionsTests {
  @Test(
    "record --micro: pyte at every step and micro-step marker shows render's frame (--micro M), every micro-step marked",
    arguments: [2, 3])
  func microMarkers(version: Int) async throws {
    let scene = "scenes/e2-fork-cow.scene"
    let cast = try tempPath("m.cast")
    let r = try await run(["record", scene, "-o", cast, "--micro", "--size", "100x30", "--cast-version", "\(version)"])
    #expect(r.status == 0, "\(r.stderr)")
    let (header, _) = try castLines(cast)
    #expect(header["version"] as? Int == version)
    guard let frames = try await replayMarkers(cast) else { return }
    let steps = try #require(
      Int(try await run(["state", scene]).stdout.components(separatedBy: "\"steps\": ")[1].prefix { $0.isNumber }))
    var expected: Set<String> = []
    for k in 0...steps {
      expected.insert("\(k)")
      for m in try await (0..<microCount(scene, step: k)).map({ $0 + 1 }) { expected.insert("\(k).\(m)") }
    }
    #expect(Set(frames.keys) == expected)
    #expect(frames.count > 2 * (steps + 1))
    for (key, screen) in frames {
      let parts = key.split(separator: ".").map(String.init)
      let args =
        ["render", scene, "--step", parts[0], "--size", "100x30", "--still"]
        + (parts.count == 2 ? ["--micro", parts[1]] : [])
      #expect(screen == (try await run(args).stdout), "marker \(key)")
    }
  }

  @Test("asciinema cat leaves the last step's frame on screen, with and without --micro; a v3 cast is the v2 one")
  func asciinemaFinalFrame() async throws {
    let scene = "scenes/e1-first-touch.scene"
    let last = try await run(["render", scene, "--step", "5", "--size", "80x24", "--still"]).stdout
    var casts: [String: String] = [:]
    for (name, extra) in [("plain", []), ("micro", ["--micro"]), ("v3", ["--micro", "--cast-version", "3"])] {
      let dir = try tempPath(name)
      let r = try await run(["export", scene, "-o", dir, "--size", "80x24"] + extra)
      #expect(r.status == 0, "\(r.stderr)")
      casts[name] = "\(dir)/scene.cast"
    }
    // v3 times are intervals: summed they are v2's times, and every event is the same.
    let (_, v2) = try castLines(try #require(casts["micro"]))
    let (_, v3) = try castLines(try #require(casts["v3"]))
    #expect(v2.count == v3.count)
    var sum = 0.0
    for (a, b) in zip(v2, v3) {
      sum += (b[0] as? Double) ?? .nan
      #expect(abs(((a[0] as? Double) ?? 0) - sum) < 1e-6 && a[1] as? String == b[1] as? String)
      #expect(a[2] as? String == b[2] as? String)
    }
    guard let asciinema = Tools.need(Tools.asciinema, "asciinema"), let python = Tools.python else { return }
    // The venv's asciinema (2.x, PyPI) reads v1 and v2; asciinema 3 reads v3 too.
    let version = try await runTool(asciinema, ["--version"]).stdout
    let readable = version.contains("asciinema 2.") ? ["plain", "micro"] : ["plain", "micro", "v3"]
    for name in readable {
      let out = try await runTool(asciinema, ["cat", try #require(casts[name])])
      #expect(out.status == 0, "\(out.stderr)")
      let raw = try tempPath("raw")
      try Data(out.stdout.utf8).write(to: URL(fileURLWithPath: raw))
      // A screen of the cast's size, as a web player's: the end scrolls nothing (a final new
      // line scrolled the title bar away).
      let screen = try await runTool(
        "/bin/sh", ["-c", "\"$0\" Tests/tools/screen.py 80 24 < \"$1\"", python, raw])
      #expect(screen.status == 0, "\(screen.stderr)")
      let rows = screen.stdout.split(separator: "\n", omittingEmptySubsequences: false)
      #expect(rows.prefix(24).joined(separator: "\n") + "\n" == last, "\(name)")
    }
  }

  @Test(
    "export --micro writes step-NNN-mM.svg per micro-step (render --still --micro M's text); --notes puts notes in markers"
  )
  func microImagesAndNotes() async throws {
    let scene = "scenes/e1-first-touch.scene"
    let dir = try await exportE1(["--micro", "--notes"])
    let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
    var micro = 0
    for k in 0...5 {
      let n = try await microCount(scene, step: k)
      // Three digits: a listing sorts them in order (`-m10` sorted before `-m2`).
      #expect(!names.contains(String(format: "step-%03d-m%03d.svg", k, n + 1)))
      for m in stride(from: 1, through: n, by: 1) {
        let name = String(format: "step-%03d-m%03d.svg", k, m)
        let svg = try String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)
        let expected = try await run([
          "render", scene, "--step", "\(k)", "--micro", "\(m)", "--size", "80x24", "--still",
        ]).stdout
        #expect(SVGText.of(svg) == expected, "\(name)")
        micro += 1
      }
    }
    #expect(micro > 5 && names.count == 10 + micro)
    let (_, events) = try castLines("\(dir)/scene.cast")
    let markers = events.filter { $0[1] as? String == "m" }.compactMap { $0[2] as? String }
    #expect(markers.filter { $0.hasPrefix("step ") }.count == 6 + micro)
    #expect(markers.contains { $0.contains(" | notes: Point at the lock") })
    let (_, plain) = try castLines("\(try await exportE1())/scene.cast")
    #expect(!plain.contains { ($0[2] as? String)?.contains("notes:") == true })
  }
}
