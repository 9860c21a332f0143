import Foundation
import TestSupport
import Testing

extension Tools {
  static let rsvgConvert: String? = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }
}

/// `{"width": W, "height": H, "colors": N, ...}` of a PNG (Tests/tools/pngcolors.py).
func pngInfo(_ path: String) async throws -> [String: Any]? {
  guard let python = Tools.need(Tools.python3, "python3") else { return nil }
  let out = try await runTool(python, [repoRoot.appendingPathComponent("Tests/tools/pngcolors.py").path, path])
  #expect(out.status == 0, "\(out.stderr)")
  return try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
}

@Suite("PNG through rsvg-convert", .cleansUp)
struct PNGTests {
  @Test("render --format png writes the SVG's picture at its size, by OutputFile's rules")
  func renderPNG() async throws {
    guard Tools.need(Tools.rsvgConvert, "rsvg-convert") != nil else { return }
    let png = try tempPath("f.png")
    let args = ["render", "scenes/e3-three-generations.scene", "--step", "5", "--size", "100x30", "--format", "png"]
    let r = try await run(args + ["-o", png])
    #expect(r.status == 0, "\(r.stderr)")
    let info = try #require(try await pngInfo(png))
    // The SVG is 100 cells of 8.4 px and 30 rows of 16 px, and 8 px of margin around.
    #expect(info["width"] as? Int == 856 && info["height"] as? Int == 496, "\(info)")
    #expect((info["colors"] as? Int ?? 0) > 4)
    // An existing file only with --force; never through a symlink or over a FIFO.
    #expect(try await run(args + ["-o", png]).status == 2)
    #expect(try await run(args + ["-o", png, "--force"]).status == 0)
    let victim = try tempPath("victim")
    try Data("keep".utf8).write(to: URL(fileURLWithPath: victim))
    let link = try tempPath("link.png")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
    let linked = try await run(args + ["-o", link, "--force"])
    #expect(linked.status == 2 && linked.stderr.contains("symlink"))
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
    let fifo = try tempPath("fifo.png")
    #expect(mkfifo(fifo, 0o600) == 0)
    #expect(try await run(args + ["-o", fifo, "--force"]).status == 2)
    // Text formats go to -o as they would to standard output.
    let text = try tempPath("f.txt")
    #expect(try await run(Array(args.dropLast(2)) + ["-o", text]).status == 0)
    #expect(try String(contentsOfFile: text, encoding: .utf8) == (try await run(Array(args.dropLast(2)))).stdout)
    // PNG is binary: never to standard output.
    let stdout = try await run(args)
    #expect(stdout.status == 2 && stdout.stderr.contains("-o") && stdout.stdout.isEmpty)
  }

  @Test("without rsvg-convert on PATH: a message naming librsvg2-bin, exit 2, nothing written")
  func missingTool() async throws {
    let binary = try #require(anonvisBinary)
    let png = try tempPath("none.png")
    let r = try await runTool(
      "/usr/bin/env",
      ["PATH=/nonexistent", binary.path, "render", "scenes/e1-first-touch.scene", "--format", "png", "-o", png])
    #expect(r.status == 2 && r.stderr.contains("rsvg-convert") && r.stderr.contains("librsvg2-bin"), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: png))
    let dir = try tempPath("none")
    let e = try await runTool(
      "/usr/bin/env", ["PATH=/nonexistent", binary.path, "export", "scenes/e1-first-touch.scene", "-o", dir, "--png"])
    #expect(e.status == 2 && e.stderr.contains("librsvg2-bin"), "\(e.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir))
  }

  @Test("export --png writes a PNG beside every step and micro-step SVG")
  func exportPNG() async throws {
    guard Tools.need(Tools.rsvgConvert, "rsvg-convert") != nil else { return }
    let dir = try await exportE1(["--png", "--micro"])
    let names = try FileManager.default.contentsOfDirectory(atPath: dir)
    let svgs = names.filter { $0.hasPrefix("step-") && $0.hasSuffix(".svg") }
    #expect(svgs.count > 6)
    for svg in svgs {
      let png = String(svg.dropLast(4)) + ".png"
      #expect(names.contains(png), "\(png)")
    }
    #expect(names.filter { $0.hasSuffix(".png") }.count == svgs.count)
    let info = try #require(try await pngInfo("\(dir)/step-004.png"))
    #expect(info["width"] as? Int == 80 * 84 / 10 + 16 && (info["colors"] as? Int ?? 0) > 4, "\(info)")
    // --force replaces an export with PNGs.
    #expect(
      try await run(["export", "scenes/e1-first-touch.scene", "-o", dir, "--size", "80x24", "--png", "--force"]).status
        == 0)
  }
}
