import AnonVMASim
import ScenePlayer
import SceneScript

/// Seeded random scenes for the differential campaign (`conform --random N --seed S`): spawn,
/// mmap, touch, read, fork, exit, munmap, mprotect, mremap, ksm-merge (of pages mapped writable, or into
/// a KSM page: what the executor reproduces), ksm-unmerge and ksmd-scan, each step one the model
/// accepts. The same
/// seed and index give the same scene on every machine.
public enum RandomScenes {
  /// SplitMix64 (Steele, Lea, Flood 2014): small, fast and the same everywhere.
  public struct Generator: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// Scene `index` of the campaign with `seed`: 6 to 16 steps on the 6.1 model.
  public static func scene(seed: UInt64, index: Int) -> String {
    var rng = Generator(seed: seed &+ UInt64(index) &* 0x2545_F491_4F6C_DD1D)
    var lines = ["kernel 6.1"]
    var spawned = 0
    let length = Int.random(in: 6...16, using: &rng)
    var attempts = 0
    var world = World(kernel: .v6)
    var steps = 0
    while steps < length && attempts < length * 20 {
      attempts += 1
      guard let line = candidate(world, spawned: &spawned, using: &rng) else { continue }
      let timeline = Timeline(
        scene: Parser.parse((lines + [line]).joined(separator: "\n")), defaultTitle: "random", kernel: .v6)
      guard timeline.runtimeDiagnostics.isEmpty, timeline.stepCount == steps + 1, let last = timeline.states.last
      else { continue }
      lines.append(line)
      world = last
      steps += 1
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// One operation that may apply to `world` (the model has the last word).
  static func candidate(_ world: World, spawned: inout Int, using rng: inout Generator) -> String? {
    let alive = world.processIDs.filter { world[process: $0].alive }
    if alive.isEmpty || (spawned < 3 && Int.random(in: 0..<10, using: &rng) == 0) {
      spawned += 1
      return "spawn P\(spawned)"
    }
    guard let p = alive.randomElement(using: &rng) else { return nil }
    let process = world[process: p]
    let mapping = process.mappings.randomElement(using: &rng)
    func range(_ pages: Int) -> String {
      let a = Int.random(in: 0..<pages, using: &rng)
      let b = Int.random(in: a..<pages, using: &rng)
      return a == b ? "\(a)" : "\(a)..\(b)"
    }
    switch Int.random(in: 0..<26, using: &rng) {
    case 20, 21:
      return ksmMerge(world, using: &rng)
    case 23..<26:
      return mapping.flatMap { mremap(world, process, from: $0, range: range($0.pages), using: &rng) }
    case 22:
      guard Bool.random(using: &rng) else { return "ksmd-scan" }
      let ksm = places(world).filter { $0.ksm }
      return ksm.randomElement(using: &rng).map { "ksm-unmerge \($0.name)" }
    case 0..<3:
      let used = Set(process.mappings.map(\.name))
      guard let name = ["A", "B", "C"].first(where: { !used.contains($0) }) else { return nil }
      return "mmap \(process.name) \(name) \(Int.random(in: 1...6, using: &rng))"
    case 3..<8:
      return mapping.map { "touch \(process.name) \($0.name) \(range($0.pages))" }
    case 8..<10:
      return mapping.map { "read \(process.name) \($0.name) \(range($0.pages))" }
    case 10..<13:
      guard alive.count < 4 else { return nil }
      spawned += 1
      return "fork \(process.name) P\(spawned)"
    case 13:
      return "exit \(process.name)"
    case 14..<16:
      return mapping.map { "munmap \(process.name) \($0.name) \(range($0.pages))" }
    case 16..<20:
      return mapping.map {
        "mprotect \(process.name) \($0.name) \(range($0.pages)) \(Bool.random(using: &rng) ? "ro" : "rw")"
      }
    default:
      return nil
    }
  }

  /// `mremap P M A..B to Rn`, at a fresh address or after or before one of the process's
  /// mappings, a quarter of them with `dontunmap`.
  static func mremap(
    _ world: World, _ process: Process, from m: Mapping, range: String, using rng: inout Generator
  ) -> String? {
    let used = Set(process.mappings.map(\.name))
    guard let name = (1...6).map({ "R\($0)" }).first(where: { !used.contains($0) }) else { return nil }
    var line = "mremap \(process.name) \(m.name) \(range) to \(name)"
    switch Int.random(in: 0..<3, using: &rng) {
    case 1: line += process.mappings.randomElement(using: &rng).map { " after \($0.name)" } ?? ""
    case 2: line += process.mappings.randomElement(using: &rng).map { " before \($0.name)" } ?? ""
    default: break
    }
    return Int.random(in: 0..<4, using: &rng) == 0 ? line + " dontunmap" : line
  }

  /// A place that maps an anonymous page: its name (`P1 A 0`), page, and how it is mapped.
  struct Place {
    var name: String
    var page: PageID
    var writable: Bool
    var ksm: Bool
  }

  static func places(_ world: World) -> [Place] {
    world.processIDs.filter { world[process: $0].alive }.flatMap { p -> [Place] in
      let process = world[process: p]
      return process.ptes.keys.sorted().compactMap { v -> Place? in
        guard case .page(let page, let writable) = process.ptes[v],
          let m = process.mappings.first(where: { v >= $0.base && v < $0.base + $0.pages })
        else { return nil }
        let ksm: Bool
        if case .ksm = world[page: page].mapping { ksm = true } else { ksm = false }
        return Place(name: "\(process.name) \(m.name) \(v - m.base)", page: page, writable: writable, ksm: ksm)
      }
    }
  }

  /// `ksm-merge A B`: B a page mapped writable, A one mapped writable or a KSM page.
  static func ksmMerge(_ world: World, using rng: inout Generator) -> String? {
    let all = places(world)
    guard let b = all.filter({ $0.writable && !$0.ksm }).randomElement(using: &rng),
      let a = all.filter({ ($0.writable || $0.ksm) && $0.page != b.page }).randomElement(using: &rng)
    else { return nil }
    return "ksm-merge \(a.name) \(b.name)"
  }
}
