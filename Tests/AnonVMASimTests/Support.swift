import AnonVMASim
import ScenePlayer
import SceneScript
import Testing

/// Parses and runs scene text; records an issue for any diagnostic.
func timeline(_ source: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Timeline {
  let scene = Parser.parse(source)
  #expect(scene.diagnostics.isEmpty, "\(scene.diagnostics)", sourceLocation: sourceLocation)
  let t = Timeline(scene: scene, defaultTitle: "test")
  #expect(t.runtimeDiagnostics.isEmpty, "\(t.runtimeDiagnostics)", sourceLocation: sourceLocation)
  return t
}

extension World {
  /// Chain names of the VMA of `process`/`mapping` at page `first`.
  func chain(_ process: String, _ mapping: String, _ first: Int? = nil) -> [String] {
    guard let p = processIndex(named: process), let v = vma(process: p, mapping: mapping, firstPage: first)
    else { return ["<no vma>"] }
    return chainAnonVMAs(v).map { World.avName($0) }
  }

  func refcount(_ av: AnonVMAID) -> Int { self[anonVMA: av].refcount }
  func isAlive(_ av: AnonVMAID) -> Bool { self[anonVMA: av].alive }
  func listNames(_ av: AnonVMAID) -> [String] { listVMAs(av).map { vmaName($0) } }
}

/// The `function: text` lines of a step's micro-steps that mention locks.
func lockEvents(_ t: Timeline, step: Int) -> [String] {
  t.events(step: step).filter { $0.text.hasPrefix("lock ") || $0.text.hasPrefix("unlock ") }.map(\.text)
}

/// A 2.6.36 world: P1 with a mapping A of `pages` pages, page 0 written (one anon_vma, AV1).
func oneFaultedPage(pages: Int) throws -> World {
  var w = World(kernel: .v2_6_36)
  _ = try w.apply(.spawn("P1"))
  _ = try w.apply(.mmap(process: "P1", mapping: "A", pages: pages, growsDown: false))
  _ = try w.apply(.touch(process: "P1", mapping: "A", first: 0, last: 0))
  return w
}
