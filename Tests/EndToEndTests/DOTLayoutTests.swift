import Foundation
import TestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The size Graphviz gives a drawing: the root `<svg>`'s width and height in pt, from a real XML
/// parser (nil when the SVG does not parse).
final class SVGSize: NSObject, XMLParserDelegate {
  var size: (width: Double, height: Double)?

  static func of(_ svg: String) -> (width: Double, height: Double)? {
    let reader = SVGSize()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = reader
    return parser.parse() ? reader.size : nil
  }

  func parser(
    _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    guard element == "svg", size == nil else { return }
    func pt(_ s: String?) -> Double? { s.flatMap { Double($0.replacingOccurrences(of: "pt", with: "")) } }
    if let w = pt(attributes["width"]), let h = pt(attributes["height"]) { size = (w, h) }
  }
}

@Suite("DOT worth embedding", .cleansUp)
struct DOTLayoutTests {
  static func graphviz(_ dotText: String) async throws -> String? {
    guard let dot = Tools.need(Tools.dot, "graphviz dot") else { return nil }
    let file = try tempPath("g.dot")
    try dotText.write(toFile: file, atomically: true, encoding: .utf8)
    let r = try await runTool(dot, ["-Tsvg", file])
    #expect(r.status == 0, "\(r.stderr)")
    return r.stdout
  }

  @Test(
    "E3 from its first fork to the end: top to bottom (taller than wide), records, bold labelled root pointers, a legend"
  )
  func layout() async throws {
    let scene = "scenes/e3-three-generations.scene"
    for k in 4...8 {
      let dotText = try await run(["render", scene, "--step", "\(k)", "--format", "dot"]).stdout
      #expect(dotText.contains("rankdir=TB") && !dotText.contains("rankdir=LR"))
      #expect(dotText.contains("legend [shape=note"))
      if k <= 6 {
        #expect(dotText.contains("\"proc:P1\" [shape=record, label=\"{P1|<p0>P1:A@0"))
        #expect(dotText.contains("\"AV1\" -> \"AV2\" [dir=back, color=red, style=bold, penwidth=2.5, label=\"root\"]"))
      }
      guard let svg = try await Self.graphviz(dotText) else { return }
      let size = try #require(SVGSize.of(svg), "step \(k): dot's SVG does not parse")
      #expect(size.height > size.width, "step \(k): \(size)")
      #expect(svg.contains(">legend</text>"))
    }
  }

  @Test("--micro honoured: the lock a micro-step holds shows its CPU and operation; the whole step holds none")
  func lockHolder() async throws {
    let scene = "scenes/e3-three-generations.scene"
    let locked = try await run(["render", scene, "--step", "4", "--micro", "5", "--format", "dot"])
    #expect(locked.status == 0, "\(locked.stderr)")
    #expect(locked.stdout.contains("\"cpu0\" -> \"AV1\" [label=\"holds lock\""))
    #expect(locked.stdout.contains("|LOCKED by cpu0}"))
    #expect(locked.stdout.contains("\\ncpu0 anon_vma_lock: lock AV1\\n"))
    let whole = try await run(["render", scene, "--step", "4", "--format", "dot"]).stdout
    #expect(!whole.contains("\"holds lock\", color") && !whole.contains("LOCKED"))
    guard let svg = try await Self.graphviz(locked.stdout) else { return }
    #expect(svg.contains(">fork P1 P2</text>") && svg.contains(">LOCKED by cpu0</text>"))
  }

  /// E6 step 10 as DOT showed AV2 `external_refcount 1` and nothing holding it: no stable node,
  /// no rmap_item, no pages or lists; its legend named a parent pointer 2.6.36 does not have.
  @Test("E6: the stable node, its rmap_items' edges to the anon_vmas they hold, lists, pages, a legend per kernel")
  func ksmListsPagesLegend() async throws {
    let scene = "scenes/e6-ksm-root-lifetime.scene"
    let dotText = try await run(["render", scene, "--step", "10", "--format", "dot"]).stdout
    #expect(dotText.contains("\"K1\" [shape=record"), "\(dotText)")
    let edges = dotText.split(separator: "\n").filter { $0.contains("\"K1\" -> \"AV") }
    #expect(edges.contains { $0.contains("\"AV2\"") && $0.contains("rmap_item P2 A 0 (exited)") }, "\(dotText)")
    #expect(dotText.contains("|list ") && dotText.contains("|pages pg"), "\(dotText)")
    #expect(!dotText.contains("->parent") && dotText.contains("->root") && dotText.contains("rmap_item->anon_vma"))
    // The same scene on the other models (its kernel line replaced).
    let source = try String(contentsOf: repoRoot.appendingPathComponent(scene), encoding: .utf8)
    func on(_ kernel: String) async throws -> String {
      let file = try temporaryScene(source.replacing("\nkernel 2.6.36\n", with: "\nkernel \(kernel)\n"), name: kernel)
      return try await run(["render", file, "--step", "10", "--format", "dot"]).stdout
    }
    let modern = try await on("6.1")
    #expect(modern.contains("->parent") && modern.contains("|interval tree "), "\(modern)")
    let old = try await on("2.6.34")
    #expect(!old.contains("->root") && !old.contains("->parent"), "\(old)")
    guard let svg = try await Self.graphviz(dotText) else { return }
    #expect(svg.contains(">KSM stable node K1</text>"), "\(svg)")
  }

  @Test("brace, bar and angle characters in scene text stay text in the drawing")
  func recordEscapes() async throws {
    let scene = try temporaryScene("title \"a{b|c}<d>\"\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\n")
    let dotText = try await run(["render", scene, "--step", "3", "--format", "dot"]).stdout
    guard let svg = try await Self.graphviz(dotText) else { return }
    #expect(svg.contains(">a{b|c}&lt;d&gt;</text>"))
  }
}
