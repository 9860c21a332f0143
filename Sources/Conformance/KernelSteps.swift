import AnonVMASim

/// What the real kernel showed at one step of a scene played with `play --conform`: the
/// verdict of the comparison made by `anonvis conform` after that step, with the facts of
/// both sides, so the viewer can step back and forth without running the kernel again.
public struct KernelStep: Sendable, Hashable {
  public enum Verdict: Sendable, Hashable {
    /// The kernel's facts are the model's.
    case agreed
    /// This many facts differ.
    case disagreed(Int)
    /// The step did not run on the kernel (an operation with no counterpart here, or one the
    /// model refuses without such a step), with why.
    case notCompared(String)
  }

  public var verdict: Verdict
  /// The model's facts that were compared (empty when not compared).
  public var model: Facts
  /// The kernel's facts after the step (empty when not compared).
  public var kernel: Facts
  public var disagreements: [Disagreement]
  /// Scene steps left out before this one (`--skip-unsupported`): the kernel ran the scene
  /// without them, and the model it was compared with did too.
  public var skippedBefore: [Int]

  public init(model: Facts, kernel: Facts, disagreements: [Disagreement], skippedBefore: [Int] = []) {
    self.verdict = disagreements.isEmpty ? .agreed : .disagreed(disagreements.count)
    self.model = model
    self.kernel = kernel
    self.disagreements = disagreements
    self.skippedBefore = skippedBefore
  }

  public init(notCompared reason: String) {
    verdict = .notCompared(reason)
    model = Facts()
    kernel = Facts()
    disagreements = []
    skippedBefore = []
  }
}

/// The kernel's side of a whole scene for the viewer: a ``KernelStep`` per step of the
/// timeline on screen (step 0, the empty start, has none), and the running kernel's release.
public struct KernelRecord: Sendable, Hashable {
  public var release: String
  /// By step of the timeline the viewer plays.
  public var steps: [Int: KernelStep]

  public init(release: String, steps: [Int: KernelStep]) {
    self.release = release
    self.steps = steps
  }

  /// The steps compared, those that agreed, and those not compared.
  public var tally: (compared: Int, agreed: Int, notCompared: Int) {
    var result = (compared: 0, agreed: 0, notCompared: 0)
    for step in steps.values {
      switch step.verdict {
      case .agreed:
        result.compared += 1
        result.agreed += 1
      case .disagreed: result.compared += 1
      case .notCompared: result.notCompared += 1
      }
    }
    return result
  }
}

/// The text of the viewer's conformance marks (pure: fixed facts in, lines out).
public enum KernelText {
  /// `✓` agreed, `✗2` two disagreements, `–` not compared (`ok`, `X2`, `-` in ASCII); nil for a
  /// step with no record (step 0).
  public static func mark(_ step: KernelStep?, ascii: Bool) -> String? {
    guard let step else { return nil }
    switch step.verdict {
    case .agreed: return ascii ? "ok" : "✓"
    case .disagreed(let n): return (ascii ? "X" : "✗") + "\(n)"
    case .notCompared: return ascii ? "-" : "–"
    }
  }

  /// The narration's lines about the step: the verdict in words, then each disagreement as
  /// model against kernel.
  public static func narration(_ step: KernelStep?, release: String, ascii: Bool) -> [String] {
    guard let step, let mark = mark(step, ascii: ascii) else { return [] }
    let kernel = "Linux \(release)"
    var lines: [String]
    switch step.verdict {
    case .agreed:
      lines = ["\(mark) \(kernel) agrees: \(summary(step.model))"]
    case .disagreed(let n):
      lines = ["\(mark) \(kernel) disagrees with the model on \(n) fact\(n == 1 ? "" : "s"):"]
      lines += step.disagreements.map {
        "  \($0.place): \($0.kind.rawValue): model \($0.model), kernel \($0.kernel)"
      }
    case .notCompared(let reason):
      lines = ["\(mark) not run on \(kernel): \(reason)"]
    }
    if !step.skippedBefore.isEmpty {
      lines.append(
        "  (compared without step\(step.skippedBefore.count == 1 ? "" : "s") "
          + step.skippedBefore.map(String.init).joined(separator: ", ") + ", not run here)")
    }
    return lines
  }

  /// `2 processes, 3 VMAs, 5 pages (2 shared)`: what was compared.
  public static func summary(_ facts: Facts) -> String {
    let vmas = facts.processes.values.reduce(0) { $0 + $1.vmas.count }
    let pages = facts.processes.values.flatMap { $0.pages.values }
    let shared = pages.filter { ($0.kind == .anon || $0.kind == .ksm) && $0.mapcount > 1 }.count
    let zero = pages.filter { $0.kind == .zero }.count
    var text = "\(facts.processes.count) process(es), \(vmas) VMA(s), \(pages.count) page(s)"
    if shared > 0 { text += ", \(shared) shared" }
    if zero > 0 { text += ", \(zero) zero" }
    return text
  }

  /// The inspector's lines for a VMA of `process` covering pages `start..<end`: the kernel's
  /// VMAs over that range (from `/proc/PID/maps`) beside the model's, then for every page of
  /// the range mapped on either side, the model's page and the kernel's (present, what it is,
  /// mapcount, exclusive, which other places map the same physical page), each marked `✓` when
  /// the two agree and `✗` when they do not. Both sides are the facts compared after the whole
  /// step (``KernelStep/model``); `world` names the places.
  public static func inspector(
    process: String, start: Int, end: Int, step: KernelStep, world: World, ascii: Bool, maxPages: Int = 64
  ) -> [String] {
    let ok = ascii ? "ok" : "✓"
    let bad = ascii ? "X" : "✗"
    if case .notCompared(let reason) = step.verdict { return ["kernel        not run here: \(reason)"] }
    let model = step.model
    let m = model.processes[process] ?? ProcessFacts()
    guard let k = step.kernel.processes[process] else { return ["kernel        no such process on the kernel \(bad)"] }
    var lines: [String] = []
    let mine = m.vmas.filter { $0.start < end && $0.end > start }
    let theirs = k.vmas.filter { $0.start < end && $0.end > start }
    let vmaMark = mine == theirs ? ok : bad
    lines.append(
      "kernel VMA    \(theirs.isEmpty ? "none" : theirs.map(\.description).joined(separator: ", "))  \(vmaMark)")
    if mine != theirs {
      lines.append("  model       \(mine.isEmpty ? "none" : mine.map(\.description).joined(separator: ", "))")
    }
    let pages = Set(m.pages.keys).union(k.pages.keys).filter { $0 >= start && $0 < end }.sorted()
    for v in pages.prefix(maxPages) {
      lines += place(process, v, model: m, kernel: k, step: step, world: world, ascii: ascii)
    }
    if pages.count > maxPages { lines.append("  (\(pages.count - maxPages) more pages)") }
    if pages.isEmpty { lines.append("pages         none mapped on either side  \(ok)") }
    return lines
  }

  /// The line (or the two lines, model and kernel, when they differ) of one place's page, `✓`
  /// or `✗`: what is mapped there, its mapcount and exclusive bit, the other places sharing it.
  static func place(
    _ process: String, _ v: Int, model m: ProcessFacts, kernel k: ProcessFacts, step: KernelStep, world: World,
    ascii: Bool
  ) -> [String] {
    let ok = ascii ? "ok" : "✓"
    let bad = ascii ? "X" : "✗"
    let place = Comparer.placeName(process, v, world)
    let mp = m.pages[v]
    let kp = k.pages[v]
    let mText = pageText(mp, sharers: sharers(step.model, process, v, mp, world))
    let kText = pageText(kp, sharers: sharers(step.kernel, process, v, kp, world), pfn: true)
    let same =
      agree(mp, kp) && sharers(step.model, process, v, mp, world) == sharers(step.kernel, process, v, kp, world)
    let label = "page \(place)" + String(repeating: " ", count: max(0, 8 - place.count))
    if same, let mp, let kp, mp.kind == .anon || mp.kind == .ksm {
      // One line: the facts both sides give, then each side's name of the page.
      let both = pageText(mp, sharers: sharers(step.model, process, v, mp, world), name: false)
      return ["\(label) \(both) (model pg\(mp.identity), kernel pfn 0x\(String(kp.identity, radix: 16)))  \(ok)"]
    } else if same {
      return ["\(label) \(mText), on both  \(ok)"]
    }
    return ["\(label) model:  \(mText)", "\(String(repeating: " ", count: label.count)) kernel: \(kText)  \(bad)"]
  }

  /// The inspector's lines for a model page (`pg3`): at each place the model maps it
  /// (`places`: process name and virtual page), the kernel's page beside the model's, `✓` or
  /// `✗`; then whether the kernel maps one physical page at all of them, as the model maps one.
  public static func page(
    _ places: [(process: String, vpage: Int)], step: KernelStep, world: World, ascii: Bool
  ) -> [String] {
    let ok = ascii ? "ok" : "✓"
    let bad = ascii ? "X" : "✗"
    if case .notCompared(let reason) = step.verdict { return ["kernel        not run here: \(reason)"] }
    guard !places.isEmpty else { return ["kernel        the model maps it nowhere: nothing to compare"] }
    var lines: [String] = []
    var frames = Set<UInt64>()
    var allMapped = true
    for (process, v) in places {
      guard let k = step.kernel.processes[process] else {
        lines.append("page \(Comparer.placeName(process, v, world))  no such process on the kernel  \(bad)")
        allMapped = false
        continue
      }
      let m = step.model.processes[process] ?? ProcessFacts()
      lines += place(process, v, model: m, kernel: k, step: step, world: world, ascii: ascii)
      if let kp = k.pages[v], kp.kind == .anon || kp.kind == .ksm {
        frames.insert(kp.identity)
      } else {
        allMapped = false
      }
    }
    if places.count > 1 {
      let one = allMapped && frames.count == 1
      let pfn = frames.first.map { "pfn 0x" + String($0, radix: 16) } ?? "none"
      lines.append(
        one
          ? "kernel frame  one physical page (\(pfn)) at all \(places.count) places, as in the model  \(ok)"
          : "kernel frame  \(frames.count) physical pages at the \(places.count) places the model shares one  \(bad)")
    }
    return lines
  }

  /// `after step 6, model and Linux 6.18:` over the inspector's kernel facts; after steps left
  /// out, it names them: the model compared ran without them, unlike the one on screen.
  public static func inspectorHead(_ step: KernelStep, step number: Int, release: String) -> String {
    let skipped = step.skippedBefore
    let model =
      skipped.isEmpty
      ? "model"
      : "the model without step\(skipped.count == 1 ? "" : "s") \(skipped.map(String.init).joined(separator: ", "))"
    return "after step \(number), \(model) and Linux \(release):"
  }

  /// The inspector's line for a process: its VMAs on the kernel beside the model's.
  public static func process(_ process: String, step: KernelStep, ascii: Bool) -> [String] {
    if case .notCompared(let reason) = step.verdict { return ["kernel        not run here: \(reason)"] }
    let m = step.model.processes[process]?.vmas ?? []
    guard let k = step.kernel.processes[process]?.vmas else {
      return ["kernel        no such process on the kernel \(ascii ? "X" : "✗")"]
    }
    let list = { (v: [VMAFact]) in v.isEmpty ? "none" : v.map(\.description).joined(separator: ", ") }
    if m == k { return ["kernel VMAs   \(list(k))  \(ascii ? "ok" : "✓")"] }
    return ["kernel VMAs   \(list(k))  \(ascii ? "X" : "✗")", "  model       \(list(m))"]
  }

  /// Whether two pages agree on what `Comparer` compares: what is mapped, and for an anonymous
  /// or KSM page its mapcount and exclusive bit.
  static func agree(_ a: PageFact?, _ b: PageFact?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    guard a.kind == b.kind else { return false }
    guard a.kind == .anon || a.kind == .ksm else { return true }
    return a.mapcount == b.mapcount && a.exclusive == b.exclusive
  }

  /// The other places that map the same physical page (anonymous and KSM pages only).
  static func sharers(_ facts: Facts, _ process: String, _ v: Int, _ page: PageFact?, _ world: World) -> [String] {
    guard let page, page.kind == .anon || page.kind == .ksm else { return [] }
    var result: [String] = []
    for name in facts.processes.keys.sorted() {
      guard let p = facts.processes[name] else { continue }
      for u in p.pages.keys.sorted() where !(name == process && u == v) {
        if let other = p.pages[u], other.kind == .anon || other.kind == .ksm, other.identity == page.identity {
          result.append(Comparer.placeName(name, u, world))
        }
      }
    }
    return result
  }

  /// `anonymous page pg3, mapcount 2, shared, also P2 A 0` (the PFN, `pfn 0x1a2b3`, on the
  /// kernel's side).
  static func pageText(_ page: PageFact?, sharers: [String], pfn: Bool = false, name: Bool = true) -> String {
    guard let page else { return "not present" }
    var parts: [String]
    switch page.kind {
    case .anon: parts = ["anonymous page"]
    case .ksm: parts = ["KSM page"]
    case .zero: return "the zero page"
    case .swapped: return "a swap entry"
    case .other: return "a page that is not anonymous"
    }
    if name { parts[0] += pfn ? " pfn 0x" + String(page.identity, radix: 16) : " pg\(page.identity)" }
    parts.append("mapcount \(page.mapcount)")
    parts.append(page.exclusive ? "exclusive" : "shared")
    if !sharers.isEmpty { parts.append("also " + sharers.joined(separator: " ")) }
    return parts.joined(separator: ", ")
  }
}
