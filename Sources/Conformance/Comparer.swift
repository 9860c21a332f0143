import AnonVMASim

/// One fact on which the model and the kernel differ after a step.
public struct Disagreement: Sendable, Hashable, CustomStringConvertible {
  /// What kind of fact: the campaign groups disagreements by it.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// The VMAs of a process (a split or merge one side did and the other did not).
    case vmas
    /// What a place maps: nothing, a page of its own, the zero page, a KSM page, a swap entry.
    case mapped
    /// Which places map the same physical page.
    case sharing
    case mapcount
    case exclusive
    /// A system call the model carried out failed on the kernel.
    case syscall
  }

  public var kind: Kind
  /// Where: `P1`, `P2 A 3`, or the places of a page.
  public var place: String
  public var model: String
  public var kernel: String

  public init(kind: Kind, place: String, model: String, kernel: String) {
    self.kind = kind
    self.place = place
    self.model = model
    self.kernel = kernel
  }

  public var description: String { "\(place): \(kind.rawValue): model \(model), kernel \(kernel)" }
}

/// Compares the model's facts after a step with the kernel's.
public enum Comparer {
  /// Every disagreement, in a stable order (process name, then page). `world` names the places
  /// (`P2 A 3`: process, mapping, index in the mapping).
  public static func compare(model: Facts, kernel: Facts, world: World) -> [Disagreement] {
    var result: [Disagreement] = []
    let names = Set(model.processes.keys).union(kernel.processes.keys).sorted()
    for name in names {
      let m = model.processes[name] ?? ProcessFacts()
      let k = kernel.processes[name] ?? ProcessFacts()
      if m.vmas != k.vmas {
        result.append(Disagreement(kind: .vmas, place: name, model: vmaList(m.vmas), kernel: vmaList(k.vmas)))
      }
      for v in Set(m.pages.keys).union(k.pages.keys).sorted() {
        let place = placeName(name, v, world)
        let mp = m.pages[v]
        let kp = k.pages[v]
        guard let mp, let kp, mp.kind == kp.kind else {
          result.append(Disagreement(kind: .mapped, place: place, model: kindName(mp), kernel: kindName(kp)))
          continue
        }
        guard mp.kind == .anon || mp.kind == .ksm else { continue }
        if mp.mapcount != kp.mapcount {
          result.append(Disagreement(kind: .mapcount, place: place, model: "\(mp.mapcount)", kernel: "\(kp.mapcount)"))
        }
        if mp.exclusive != kp.exclusive {
          result.append(
            Disagreement(kind: .exclusive, place: place, model: exclusiveName(mp), kernel: exclusiveName(kp)))
        }
      }
    }
    result += sharing(model: model, kernel: kernel, world: world)
    return result
  }

  /// Places that map the same page on one side and different pages on the other. Each group of
  /// places the model puts on one page must be exactly a group the kernel puts on one PFN.
  static func sharing(model: Facts, kernel: Facts, world: World) -> [Disagreement] {
    let m = groups(model)
    let k = groups(kernel)
    let mSets = Set(m.values.map { Set($0) })
    let kSets = Set(k.values.map { Set($0) })
    guard mSets != kSets else { return [] }
    var result: [Disagreement] = []
    // One page in the model, several in the kernel (a copy the model did not predict).
    for group in mSets.sorted(by: { order($0) < order($1) }) where !kSets.contains(group) {
      let parts = kSets.filter { !$0.isDisjoint(with: group) }
      guard parts.count > 1 || parts.first.map({ $0.isStrictSubset(of: group) }) == true else { continue }
      result.append(
        Disagreement(
          kind: .sharing, place: places(group, world), model: "one page", kernel: split(parts, world)))
    }
    // Several pages in the model, one in the kernel (a copy the kernel did not make).
    for group in kSets.sorted(by: { order($0) < order($1) }) where !mSets.contains(group) {
      let parts = mSets.filter { !$0.isDisjoint(with: group) }
      guard parts.count > 1 || parts.first.map({ $0.isStrictSubset(of: group) }) == true else { continue }
      result.append(
        Disagreement(
          kind: .sharing, place: places(group, world), model: split(parts, world), kernel: "one page"))
    }
    return result
  }

  struct Place: Hashable, Comparable {
    var process: String
    var page: Int
    static func < (a: Place, b: Place) -> Bool { (a.process, a.page) < (b.process, b.page) }
  }

  static func order(_ s: Set<Place>) -> Place { s.min() ?? Place(process: "", page: 0) }

  /// Places by physical page, for the pages that can be shared (anonymous and KSM).
  static func groups(_ facts: Facts) -> [UInt64: [Place]] {
    var result: [UInt64: [Place]] = [:]
    for (name, p) in facts.processes {
      for (v, page) in p.pages where page.kind == .anon || page.kind == .ksm {
        result[page.identity, default: []].append(Place(process: name, page: v))
      }
    }
    return result
  }

  static func places(_ s: Set<Place>, _ world: World) -> String {
    s.sorted().map { placeName($0.process, $0.page, world) }.joined(separator: ", ")
  }

  /// `P2 A 3`: the process, the mapping and the page's index in it, as a scene names it.
  public static func placeName(_ process: String, _ v: Int, _ world: World) -> String {
    if let id = world.processIndex(named: process),
      let m = world[process: id].mappings.first(where: { v >= $0.base && v < $0.base + $0.pages })
    {
      return "\(process) \(m.name) \(v - m.base)"
    }
    return "\(process) page \(v)"
  }

  static func split(_ parts: Set<Set<Place>>, _ world: World) -> String {
    "separate pages "
      + parts.sorted { order($0) < order($1) }.map { "[" + places($0, world) + "]" }.joined(separator: " ")
  }

  static func vmaList(_ vmas: [VMAFact]) -> String {
    vmas.isEmpty ? "none" : vmas.map(\.description).joined(separator: ", ")
  }

  static func kindName(_ page: PageFact?) -> String {
    guard let page else { return "nothing mapped" }
    switch page.kind {
    case .anon: return "a page"
    case .ksm: return "a KSM page"
    case .zero: return "the zero page"
    case .swapped: return "a swap entry"
    case .other: return "a page that is not anonymous"
    }
  }

  static func exclusiveName(_ page: PageFact) -> String { page.exclusive ? "exclusive" : "shared" }
}
