import AnonVMASim
import ScenePlayer

/// What differs between two kernel models' worlds at the same step (`c`, `--compare`), compared
/// as the panes draw them: every process, VMA, anon_vma and listed page is summarised in a line
/// and matched by name with the other world's object of that name. An object whose line differs,
/// or that the other world lacks, differs; so does an anon_vma one world has freed and the other
/// has alive (drawn `−` in the step that frees it). Both halves of a comparison are marked with it.
public struct CompareDiff: Sendable, Hashable {
  /// Ids in the world the diff was computed for (`init(_:against:)`'s first argument).
  public var processes: Set<ProcessID> = []
  public var vmas: Set<VMAID> = []
  public var anonVMAs: Set<AnonVMAID> = []
  public var pages: Set<PageID> = []

  /// The kinds of objects compared.
  public enum Kind: Sendable, Hashable {
    case process, vma, anonVMA, page
  }

  /// An object as both models name it: a process by its name, a VMA by `P1:A@0`, an anon_vma by
  /// `AV1`, a page by `pg1`.
  public struct Name: Sendable, Hashable {
    public var kind: Kind
    public var name: String
  }

  /// An object's id in its world, of its kind.
  public enum ObjectID: Sendable, Hashable {
    case process(ProcessID)
    case vma(VMAID)
    case anonVMA(AnonVMAID)
    case page(PageID)
  }

  /// An object's id in its world and its summary line.
  public struct Entry: Sendable, Hashable {
    public var id: ObjectID
    public var line: String
    /// A field's value as this model's panes write it, where that is not the compared value: an
    /// anon_vma's counters with their per-kernel names (`ksm 0`, `ext 2`, `ref 1 nc 0 act 1`),
    /// compared by their values only.
    public var shown: [Substring: String] = [:]
  }

  public init() {}

  /// The objects of `w` whose summary differs from the one of the same name in `other`.
  public init(_ w: World, against other: World) {
    self.init(Self.summaries(w), against: Self.summaries(other), freedIn: w)
  }

  /// The objects of `mine` (summaries of one world) whose line differs from the one of the same
  /// name in `theirs`, or that `theirs` lacks; and every anon_vma `freedIn` (the world `mine`
  /// summarises, whose summaries hold only live anon_vmas) has freed and `theirs` has alive (a
  /// box is drawn, `−`, only in the step that frees it): E6's step 11 frees AV1 on 2.6.34
  /// (`ksm_refcount` 0) and keeps it on 2.6.36 (`external_refcount` 1).
  init(_ mine: [Name: Entry], against theirs: [Name: Entry], freedIn w: World? = nil) {
    for (name, entry) in mine where theirs[name]?.line != entry.line {
      switch entry.id {
      case .process(let p): processes.insert(p)
      case .vma(let v): vmas.insert(v)
      case .anonVMA(let a): anonVMAs.insert(a)
      case .page(let p): pages.insert(p)
      }
    }
    w?.anonVMAs.forEachChunk { chunk in
      for i in chunk.indices where !chunk[i].alive {
        if theirs[Name(kind: .anonVMA, name: World.avName(chunk[i].id))] != nil { anonVMAs.insert(chunk[i].id) }
      }
    }
  }

  public var isEmpty: Bool { processes.isEmpty && vmas.isEmpty && anonVMAs.isEmpty && pages.isEmpty }

  /// The same set as the diagram's objects (`ForestDiagram.Options.emphasized`): a differing
  /// page is marked on its name, where its anon_vma box (or KSM stable node) writes it; its
  /// anon_vma only when the anon_vma itself differs (its list, counters, lock or pages filed).
  public func objects(in w: World) -> Set<ForestDiagram.Object> {
    var objects = Set<ForestDiagram.Object>()
    for p in processes { objects.insert(.process(p)) }
    for v in vmas { objects.insert(.vma(v)) }
    for a in anonVMAs { objects.insert(.anonVMA(a)) }
    for p in pages where w.isAllocated(p) { objects.insert(.page(p)) }
    return objects
  }

  /// Every object drawn in `w`, by name, with a summary of what the panes show of it in terms
  /// both models share (an anon_vma's counter values, not their per-kernel labels; the lock
  /// that covers it: itself in 2.6.34, its root in 2.6.36; the CPUs holding that lock, whose
  /// outline takes the box in).
  public static func summaries(_ w: World) -> [Name: Entry] {
    var out: [Name: Entry] = [:]
    func names<Object>(_ ids: [ID<Object>], _ name: (ID<Object>) -> String) -> String {
      ids.map(name).joined(separator: " ")
    }
    var seen: [String: Int] = [:]
    for i in w.processes.indices {
      let p = w.processes[i]
      // A name used again (spawned after an exit) is told apart by its occurrence.
      let n = seen[p.name, default: 0]
      seen[p.name] = n + 1
      let parent = p.parent.map { w[process: $0].name } ?? "-"
      let line = "\(p.alive ? "alive" : "exited") parent \(parent) vmas \(names(p.vmas, w.vmaName))"
      out[Name(kind: .process, name: n == 0 ? p.name : "\(p.name)#\(n)")] = Entry(
        id: .process(ProcessID(i)), line: line)
    }
    for id in w.orderedVMAs {
      guard let v = w.vmas[id] else { continue }
      let anon = v.anonVMA.map { World.avName($0) } ?? "-"
      let line =
        // The pages as the diagram and VMA pane write them (`A@0 0..3 rw`: the first and last).
        "\(v.firstPage)..\(v.firstPage + v.pages - 1) \(v.prot.rawValue)\(w.pgoffName(id).map { " pgoff " + $0 } ?? "") anon_vma \(anon) chain \(names(w.chainAnonVMAs(id), World.avName))"
        + (v.detached ? " detached" : "")
      out[Name(kind: .vma, name: w.vmaName(id))] = Entry(id: .vma(id), line: line)
    }
    var pagesIn: [AnonVMAID: [PageID]] = [:]
    for p in w.listedPages {
      let page = w[page: p]
      let mapping: String
      switch page.mapping {
      case .none: mapping = "-"
      case .anon(let a):
        mapping = World.avName(a)
        pagesIn[a, default: []].append(p)
      case .ksm(let k): mapping = "K\(k)"
      }
      let line = "\(mapping) index \(page.index) mapcount \(page.mapcount) swap \(page.swapSlot ?? 0)"
      out[Name(kind: .page, name: World.pageName(p))] = Entry(id: .page(p), line: line)
    }
    for a in w.aliveAnonVMAs {
      let av = w[anonVMA: a]
      var counters = "\(av.refcount)"
      if w.kernel.isModern { counters += " \(av.numChildren) \(av.numActiveVMAs)" }
      // `anon_vma->parent` is a 6.x field (AnonVMA.parent): 2.6.3x lines have none.
      let parent = w.kernel.isModern ? "parent \(av.parent.map { World.avName($0) } ?? "-") " : ""
      // Sorted (two 6.x readers may have taken the rwsem in either order), readers marked: a
      // 6.x rmap walk shares the root's rwsem where 2.6.x holds the spinlock alone.
      let lock = w.lockTarget(of: a)
      let holders = (w.lockHolders[lock] ?? []).sorted { $0.cpu < $1.cpu }
        .map { "cpu\($0.cpu)" + ($0.mode == .read ? "(read)" : "") }
      let line =
        "lock \(World.avName(lock)) \(parent)count \(counters) "
        + "list \(names(w.listVMAs(a), w.vmaName)) pages \(names(pagesIn[a] ?? [], World.pageName))"
        + " held \(holders.isEmpty ? "nobody" : holders.joined(separator: ","))"
      out[Name(kind: .anonVMA, name: World.avName(a))] = Entry(
        id: .anonVMA(a), line: line, shown: ["count": Marks.counters(av, w)])
    }
    return out
  }
}

/// What a comparison shows beside the two worlds at a step: what differs in each
/// (`CompareDiff`) and the other half's account of the step (`NarrationPane.Account`). The
/// reducer works it out once per step with the layouts (`refreshCompareView`), as it does the
/// diagram layouts; a frame only reads it (it was worked out in `render` on every frame).
struct CompareView: Sendable, Hashable {
  /// The layouts it was worked out for: this model's and the comparison's.
  struct Key: Sendable, Hashable {
    var this: Layout.Key
    var other: Layout.Key
  }

  var key: Key
  /// What differs, in this model's world and in the comparison's (inside a micro-step, between
  /// the two micro-steps the halves show in lockstep, ``MicroAlignment``); nil inside a
  /// micro-step the other model's step has no micro-steps for, or of a forest too large for the
  /// diagram (``DiagramLayout/excess(_:)``).
  var diffs: (this: CompareDiff, other: CompareDiff)?
  var account: NarrationPane.Account?

  static func == (a: CompareView, b: CompareView) -> Bool {
    a.key == b.key && a.diffs?.this == b.diffs?.this && a.diffs?.other == b.diffs?.other && a.account == b.account
  }

  func hash(into h: inout Hasher) { h.combine(key) }
}

extension AppState {
  /// The inputs of the comparison's view now; nil without a comparison.
  var compareViewKey: CompareView.Key? { compareKey.map { CompareView.Key(this: layoutKey, other: $0) } }

  /// Works out the comparison's view again when its layouts changed (the reducer calls it from
  /// `refreshLayout`, after the layouts).
  mutating func refreshCompareView() {
    guard let key = compareViewKey else {
      compareView = nil
      return
    }
    if compareView?.key != key { compareView = makeCompareView() }
  }

  /// The comparison's view of the state as it is: the stored one, or (only if an input changed
  /// without the reducer) one worked out for this call and not kept.
  var currentCompareView: CompareView? {
    guard let key = compareViewKey else { return nil }
    if let view = compareView, view.key == key { return view }
    return makeCompareView()
  }

  /// The comparison's view worked out from the layouts: each world summarised once, for both
  /// diffs and the account's differences.
  func makeCompareView() -> CompareView? {
    guard let other = compareTimeline, let key = compareViewKey else { return nil }
    let this = layout.key == key.this ? layout : currentLayout
    let lower = compareLayout.map { $0.key == key.other ? $0 : nil } ?? nil
    let theirLayout = lower ?? Layout(timeline: other, key: key.other, microSteps: nil)
    var summaries: (mine: [CompareDiff.Name: CompareDiff.Entry], theirs: [CompareDiff.Name: CompareDiff.Entry])?
    var diffs: (this: CompareDiff, other: CompareDiff)?
    // Inside a micro-step, only for forests the diagram draws: summarising W1's largest step
    // (8,000 VMAs) in both models took 140 ms a key (bench: next micro-step beside 2.6.34).
    let small = this.diagramExcess == nil && theirLayout.diagramExcess == nil
    if micro == nil || (key.other.micro != nil && small) {
      let s = (CompareDiff.summaries(this.world), CompareDiff.summaries(theirLayout.world))
      diffs = (
        CompareDiff(s.0, against: s.1, freedIn: this.world), CompareDiff(s.1, against: s.0, freedIn: theirLayout.world)
      )
      if micro == nil { summaries = s }
    }
    return CompareView(
      key: key, diffs: diffs, account: compareAccount(other, theirLayout, mine: this, summaries: summaries))
  }

  /// What differs between the two models at the step (or the paired micro-steps) on screen, for
  /// this model's world and for the comparison's; nil without a comparison, or inside a
  /// micro-step the other model's step has none for or of a forest too large for the diagram.
  public var compareDiffs: (this: CompareDiff, other: CompareDiff)? { currentCompareView?.diffs }

  /// The comparison half's narration: its model's own account of the step
  /// (`TextNarrator.account`), its micro-steps this model's step has no equal of marked, and what
  /// differs object by object. Nil when the other model is the one the scene was written for
  /// (its `kernel` and `variant` lines): only then is the scene's `say` text true of it.
  /// Worked out from scratch; frames read the one in `compareView`.
  func compareAccount(_ other: Timeline, _ lower: Layout) -> NarrationPane.Account? {
    compareAccount(other, lower, mine: layout, summaries: nil)
  }

  /// `compareAccount(_:_:)` with this model's layout given, and the summaries of both worlds
  /// when they are already made (`summaries(mine.world)`, `summaries(lower.world)`).
  private func compareAccount(
    _ other: Timeline, _ lower: Layout, mine: Layout,
    summaries: (mine: [CompareDiff.Name: CompareDiff.Entry], theirs: [CompareDiff.Name: CompareDiff.Entry])?
  ) -> NarrationPane.Account? {
    guard let (kernel, variants) = scene?.declaredModel else { return nil }
    // Both sorted: a scene's variant lines in any order name the model the other half runs.
    guard kernel != other.kernel || variants != other.variants else { return nil }
    let written = Self.modelName(kernel, variants)
    let theirs = Self.modelName(other.kernel, other.variants)
    let mineName = Self.modelName(timeline.kernel, timeline.variants)
    var unmatched = step <= timeline.stepCount ? TextNarrator.account(timeline, step: step).map(Self.lockNeutral) : []
    let events = step <= other.stepCount ? TextNarrator.account(other, step: step) : []
    var differing = Set<Int>()
    for (i, e) in events.enumerated() {
      if let j = unmatched.firstIndex(of: Self.lockNeutral(e)) { unmatched.remove(at: j) } else { differing.insert(i) }
    }
    var differences: [String] = []
    if micro == nil, step <= other.stepCount {
      let s = summaries ?? (CompareDiff.summaries(mine.world), CompareDiff.summaries(lower.world))
      differences = CompareDiff.differences(s.theirs, against: s.mine, theirModel: mineName)
    }
    return NarrationPane.Account(
      model: theirs, written: written, comparedWith: mineName, events: events, differing: differing,
      differences: differences)
  }

  /// An account line (``TextNarrator/account(_:step:)``) with an anon_vma spinlock's functions
  /// written as 2.6.36 names them: 2.6.34's `spin_lock(&anon_vma->lock)` and 2.6.36's
  /// `anon_vma_lock` take the same kind of lock (a spinlock, held alone), so `lock AV1` under
  /// either name is no difference between the models (it was marked ≠ at E3's fork); the lock
  /// each takes is in the text (`lock AV1 (root of AV3)` beside `lock AV3`). 6.x's rwsem
  /// functions stay apart: a read lock is shared.
  static func lockNeutral(_ line: String) -> String {
    spinlockNames.reduce(line) { $0.replacing(" \($1.key): ", with: " \($1.value): ") }
  }

  /// 2.6.34's anon_vma spinlock functions by the names 2.6.36 gives the same calls.
  static let spinlockNames = [
    "spin_lock(&anon_vma->lock)": "anon_vma_lock", "spin_unlock(&anon_vma->lock)": "anon_vma_unlock",
  ]

  /// A model as a heading names it: `2.6.36`, `2.6.36 (no-6/5)`.
  static func modelName(_ kernel: KernelVersion, _ variants: [Variant]) -> String {
    kernel.rawValue + (variants.isEmpty ? "" : " (" + variants.map(\.rawValue).joined(separator: ", ") + ")")
  }

  /// `compareDiffs` as diagram objects, for `ForestDiagram.Options.emphasized` of each half.
  public func compareEmphasis() -> (this: Set<ForestDiagram.Object>, other: Set<ForestDiagram.Object>)? {
    guard let diffs = compareDiffs, let lower = compareLayout else { return nil }
    return (diffs.this.objects(in: layout.world), diffs.other.objects(in: lower.world))
  }
}

extension CompareDiff {
  /// The words of a summary line that start a field (`lock AV1`, `count 1`, `list P1:A@0 …`); the
  /// words before the first are the object's own (a VMA's range and protection, a process's
  /// state, a page's mapping).
  static let fieldWords: Set<Substring> = [
    "parent", "vmas", "anon_vma", "chain", "lock", "count", "list", "pages", "held", "index", "mapcount", "swap",
  ]

  /// A summary line as fields: (word, value), the first with an empty word. An empty field is
  /// written as the diagram's boxes write it: `list (empty)`, `pages none`.
  static func fields(_ line: String) -> [(key: Substring, value: String)] {
    var out: [(key: Substring, value: [Substring])] = [("", [])]
    for w in line.split(separator: " ") {
      if fieldWords.contains(w) { out.append((w, [])) } else { out[out.count - 1].value.append(w) }
    }
    return out.map { field in
      guard field.value.isEmpty else { return (field.key, field.value.joined(separator: " ")) }
      return (field.key, field.key.isEmpty ? "" : field.key == "list" ? "(empty)" : "none")
    }
  }

  /// What differs between the objects of two worlds' summaries, object by object, in words:
  /// `AV2: its lock is in AV2 (2.6.36: AV1)` (the lock `anon_vma_lock()` takes for it, a
  /// standing property, not an event of the step), `AV3: only here`, `pg5: not here (on 2.6.36:
  /// AV2, index 0, …)`; an empty field is written as the diagram's boxes write it; a field
  /// the other model has no such thing for is said so (`parent AV1 (2.6.36: no such field)`).
  /// Counters are compared by value and written with each model's names (`counters ksm 0
  /// (2.6.36: ext 2)`), as its boxes write them.
  /// Objects in kind order (processes, VMAs, anon_vmas, pages), then by name.
  static func differences(_ mine: [Name: Entry], against theirs: [Name: Entry], theirModel: String) -> [String] {
    let order: [Kind] = [.process, .vma, .anonVMA, .page]
    let names = Set(mine.keys).union(theirs.keys).filter { mine[$0]?.line != theirs[$0]?.line }.sorted {
      (order.firstIndex(of: $0.kind) ?? 0, $0.name.count, $0.name) < (
        order.firstIndex(of: $1.kind) ?? 0, $1.name.count, $1.name
      )
    }
    // A field's words as a reader takes them: `lock AV2` would read as "AV2 is locked", and
    // `anon_vma_lock takes AV2` as a lock taken in the step.
    func word(_ key: Substring) -> String {
      switch key {
      case "": ""
      case "lock": "its lock is in "
      case "held": "its lock is held by "
      case "count": "counters "
      default: "\(key) "
      }
    }
    return names.map { name in
      guard let here = mine[name]?.line else {
        // The object's own words first, when it has any (an anon_vma has none).
        // (An anon_vma whose lock nobody holds does not say so.)
        let there = fields(theirs[name]?.line ?? "").filter {
          (!$0.key.isEmpty || !$0.value.isEmpty) && !($0.key == "held" && $0.value == "nobody")
        }
        .map { word($0.key) + (theirs[name]?.shown[$0.key] ?? $0.value) }
        return "\(name.name): not here (on \(theirModel): \(there.joined(separator: ", ")))"
      }
      guard let there = theirs[name]?.line else { return "\(name.name): only here" }
      let a = fields(here)
      let b = fields(there)
      var parts: [String] = []
      for (i, f) in a.enumerated() {
        let other = i == 0 ? b.first : b.first { $0.key == f.key }
        guard other?.value != f.value else { continue }
        let mineShown = mine[name]?.shown[f.key] ?? f.value
        let theirsShown = other.map { theirs[name]?.shown[$0.key] ?? $0.value } ?? "no such field"
        parts.append("\(word(f.key))\(mineShown) (\(theirModel): \(theirsShown))")
      }
      return "\(name.name): " + parts.joined(separator: ", ")
    }
  }
}
