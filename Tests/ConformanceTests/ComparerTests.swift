import AnonVMASim
import Conformance
import ScenePlayer
import SceneScript
import Testing

/// The model's world after the last step of a scene (6.1).
func world(_ source: String) throws -> World {
  let timeline = Timeline(scene: Parser.parse(source), defaultTitle: "t", kernel: .v6)
  #expect(timeline.runtimeDiagnostics.isEmpty)
  return try #require(timeline.states.last)
}

let forked = """
  spawn P1
  mmap P1 A 2
  touch P1 A 0
  read P1 A 1
  fork P1 P2
  """

@Suite("conform: the model's facts and the comparer")
struct ComparerTests {
  @Test("the model's facts after fork: one page shared by both, mapcount 2, not exclusive; the zero page stays")
  func modelFacts() throws {
    let f = Facts(model: try world(forked))
    let p1 = try #require(f.processes["P1"])
    let p2 = try #require(f.processes["P2"])
    #expect(p1.vmas == [VMAFact(start: 0, end: 2, writable: true)])
    #expect(p1.pages[0]?.mapcount == 2 && p1.pages[0]?.exclusive == false)
    #expect(p1.pages[0]?.identity == p2.pages[0]?.identity)
    #expect(p1.pages[1]?.kind == .zero && p2.pages[1]?.kind == .zero)
  }

  @Test("facts equal to the model's: no disagreement")
  func agree() throws {
    let w = try world(forked)
    #expect(Comparer.compare(model: Facts(model: w), kernel: Facts(model: w), world: w).isEmpty)
  }

  @Test("a different mapcount, exclusive bit, VMA list or mapped kind is reported at its place")
  func eachKind() throws {
    let w = try world(forked)
    let model = Facts(model: w)
    var kernel = model
    kernel.processes["P2"]?.pages[0]?.mapcount = 3
    kernel.processes["P1"]?.pages[0]?.exclusive = true
    kernel.processes["P1"]?.vmas = [
      VMAFact(start: 0, end: 1, writable: true), VMAFact(start: 1, end: 2, writable: false),
    ]
    kernel.processes["P2"]?.pages[1] = nil
    let found = Comparer.compare(model: model, kernel: kernel, world: w)
    #expect(found.contains(Disagreement(kind: .mapcount, place: "P2 A 0", model: "2", kernel: "3")))
    #expect(found.contains(Disagreement(kind: .exclusive, place: "P1 A 0", model: "shared", kernel: "exclusive")))
    #expect(found.contains(Disagreement(kind: .vmas, place: "P1", model: "0..1 rw", kernel: "0..0 rw, 1..1 ro")))
    #expect(
      found.contains(Disagreement(kind: .mapped, place: "P2 A 1", model: "the zero page", kernel: "nothing mapped")))
    #expect(found.count == 4)
  }

  @Test("one page in the model, two in the kernel (a copy), and the other way round")
  func sharing() throws {
    let w = try world(forked)
    let model = Facts(model: w)
    var kernel = model
    kernel.processes["P2"]?.pages[0]?.identity = 999
    let copy = Comparer.compare(model: model, kernel: kernel, world: w).filter { $0.kind == .sharing }
    #expect(
      copy == [
        Disagreement(
          kind: .sharing, place: "P1 A 0, P2 A 0", model: "one page", kernel: "separate pages [P1 A 0] [P2 A 0]")
      ])
    let noCopy = Comparer.compare(model: kernel, kernel: model, world: w).filter { $0.kind == .sharing }
    #expect(
      noCopy == [
        Disagreement(
          kind: .sharing, place: "P1 A 0, P2 A 0", model: "separate pages [P1 A 0] [P2 A 0]", kernel: "one page")
      ])
  }

  @Test("PFNs and page ids need not be equal, only the same grouping")
  func identityIsGrouping() throws {
    let w = try world(forked + "\ntouch P2 A 0\n")
    let model = Facts(model: w)
    var kernel = model
    for name in ["P1", "P2"] {
      for (v, page) in kernel.processes[name]?.pages ?? [:] {
        kernel.processes[name]?.pages[v]?.identity = page.identity * 7 + 100
      }
    }
    #expect(Comparer.compare(model: model, kernel: kernel, world: w).isEmpty)
  }

  @Test("the test hook flips the first anonymous page's exclusive bit")
  func flip() throws {
    let w = try world(forked)
    var f = Facts(model: w)
    f.flipFirstExclusive()
    #expect(f.processes["P1"]?.pages[0]?.exclusive == true)
    #expect(Comparer.compare(model: Facts(model: w), kernel: f, world: w).map(\.kind) == [.exclusive])
  }
}
