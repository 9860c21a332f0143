import Foundation
import TestSupport
import Testing

/// What markdown-it-py (CommonMark) makes of a handout (Tests/tools/mdcheck.py): its images, its
/// raw HTML and its headings as shown.
func parseMarkdown(_ path: String) async throws -> (
  images: [String], html: [String], headings: [String], blocks: [String]
)? {
  guard let python = Tools.need(Tools.python, "python with markdown-it-py") else { return nil }
  let r = try await runTool(python, [repoRoot.appendingPathComponent("Tests/tools/mdcheck.py").path, path])
  #expect(r.status == 0, "\(r.stderr)")
  let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [String]])
  return (json["images"] ?? [], json["html"] ?? [], json["headings"] ?? [], json["blocks"] ?? [])
}

@Suite("export: the Markdown handout, parsed", .cleansUp)
struct HandoutTests {
  @Test("markdown-it-py parses scene.md: every step's image in order, each one there, no raw HTML")
  func parses() async throws {
    let dir = try tempPath("e3")
    #expect(try await run(["export", "scenes/e3-three-generations.scene", "-o", dir, "--size", "100x30"]).status == 0)
    guard let md = try await parseMarkdown("\(dir)/scene.md") else { return }
    #expect(md.images == (0...8).map { String(format: "step-%03d.svg", $0) })
    for image in md.images { #expect(FileManager.default.fileExists(atPath: "\(dir)/\(image)"), "\(image)") }
    #expect(md.html.isEmpty, "\(md.html)")
    #expect(md.headings.first == "E3: Three generations and root lifetime")
    #expect(md.headings.contains("Step 5: fork P2 P3") && md.headings.contains("Exits that free nothing"))
  }

  @Test("markup in scene text is text in the parsed handout, never HTML")
  func hostile() async throws {
    let scene = try temporaryScene(
      "title \"<script>alert(1)</script> *x* [l](http://e)\"\nchapter \"<b>bold</b>\"\nspawn P1\n"
        + "say \"</p><img src=x onerror=y()> `c` _u_\"\n")
    let dir = try tempPath("hostile")
    #expect(try await run(["export", scene, "-o", dir]).status == 0)
    guard let md = try await parseMarkdown("\(dir)/scene.md") else { return }
    #expect(md.html.isEmpty, "\(md.html)")
    #expect(md.headings.first == "<script>alert(1)</script> *x* [l](http://e)")
    #expect(md.headings.contains("<b>bold</b>"))
    #expect(md.images == ["step-000.svg", "step-001.svg"])
  }

  @Test(
    "scene text that would start a heading, list, quote or code block stays a paragraph; the raw file stays readable")
  func blockMarkers() async throws {
    let scene = try temporaryScene(
      "title \"t\"\nspawn P1\nsay \"# not a heading\"\nsay \"1. not a list\"\nsay \"    not code\"\n"
        + "say \"- not a list\"\nsay \"> not a quote\"\nsay \"---\"\nsay \"P3's chain: AV3 (P1:A@0)\"\n")
    let dir = try tempPath("blocks")
    #expect(try await run(["export", scene, "-o", dir]).status == 0)
    let raw = try String(contentsOfFile: "\(dir)/scene.md", encoding: .utf8)
    #expect(raw.contains("P3's chain: AV3 (P1:A@0)"), "punctuation that is not markup is not escaped:\n\(raw)")
    guard let md = try await parseMarkdown("\(dir)/scene.md") else { return }
    #expect(md.headings == ["t", "Step 0: start", "Step 1: spawn P1"], "\(md.headings)")
    // The only blocks: the micro-steps' numbered list (spawn has them); no chapter list here.
    #expect(md.blocks.allSatisfy { $0 == "ordered_list_open" } && md.blocks.count == 1, "\(md.blocks)\n\(raw)")
    #expect(md.html.isEmpty)
  }
}
