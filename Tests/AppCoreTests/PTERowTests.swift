import AnonVMASim
import TestSupport
import Testing

@testable import AppCore

/// A PTE row (`PTEs 0:pg1 rw, …+2, 3:pg1 ro KSM`) read back: the entries it names and where,
/// nil where a `…+N` stands for entries left out; nil when it does not read as one.
private func entries(of row: String) -> [String?]? {
  guard row.hasPrefix("PTEs ") else { return nil }
  var out: [String?] = []
  for part in row.dropFirst(5).components(separatedBy: ", ") {
    if part.hasPrefix("…+") {
      guard let n = Int(part.dropFirst(2)), n > 0 else { return nil }
      out += Array(repeating: nil, count: n)
    } else {
      out.append(part)
    }
  }
  return out
}

@Suite("PTE rows: a row cut to fit keeps the entries the step changed")
struct PTERowTests {
  @Test(
    "every VMA of every step of every scene, at every room: the row names each entry in its place or counts it in a …+N, fits its room when it can, and keeps every changed entry when those alone fit",
    arguments: allScenes())
  func cutKeepsChanges(file: String) throws {
    var s = try sceneApp(file, view: .diagram)
    var changedKept = 0
    var previous = s.world
    guard s.timeline.stepCount > 0 else { return }
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      let w = s.world
      defer { previous = w }
      for vma in w.vmas.values {
        let all = ForestDiagram.pteTexts(vma, w, previous: previous)
        guard !all.isEmpty else { continue }
        let whole = ForestDiagram.pteRow(all, room: .max)
        for room in stride(from: 12, through: 72, by: 4) {
          let row = ForestDiagram.pteRow(all, room: room)
          let read = try #require(entries(of: row), "\(file) step \(k): \(row)")
          #expect(read.count == all.count, "\(file) step \(k) room \(room): \(row)")
          for (i, text) in read.enumerated() where i < all.count {
            if let text { #expect(text == all[i].text, "\(file) step \(k) room \(room): \(row)") }
          }
          if ForestDiagram.textWidth(whole) <= room { #expect(row == whole) }
          let changed = all.indices.filter { all[$0].changed }
          // When the changed entries alone (…+N for the rest) fit, the row fits and keeps them.
          if !changed.isEmpty, ForestDiagram.textWidth(ForestDiagram.pteRow(all, keeping: Set(changed))) <= room {
            #expect(ForestDiagram.textWidth(row) <= room, "\(file) step \(k) room \(room): \(row)")
            for i in changed {
              #expect(read[i] == all[i].text, "\(file) step \(k) room \(room): \(all[i].text) cut: \(row)")
            }
            if ForestDiagram.textWidth(whole) > room { changedKept += 1 }
          }
        }
      }
    }
    if file == "every-operation.scene" { #expect(changedKept > 0, "the cut that keeps a change is exercised") }
  }

  @Test("every-operation step 11 at 200x60: P2's PTE row keeps the page KSM merged (3:pg1 ro KSM)")
  func ksmMergeShown() throws {
    var s = try sceneApp("every-operation.scene", view: .diagram)
    s.go(to: 11)
    let frame = s.render(width: 200, height: 60).plainText
    let rows = frame.split(separator: "\n").filter { $0.contains("PTEs 0:pg1 ro KSM") }
    #expect(rows.count == 2, "\(frame)")
    #expect(rows.last?.contains("3:pg1 ro KSM") == true, "\(frame)")
  }
}

@Suite("An anon_vma box's list line counts what it does not name")
struct ListCountTests {
  /// The entries a `list` line stands for: the names it writes and the `…+N` it counts.
  static func entries(_ line: String) -> Int {
    guard line != "list (empty)" else { return 0 }
    return line.split(separator: " ").dropFirst().reduce(0) { n, word in
      n + (word.hasPrefix("…+") ? Int(word.dropFirst(2)) ?? 1000 : 1)
    }
  }

  @Test(
    "every alive anon_vma's list line stands for exactly its same_anon_vma list, at every step and size",
    arguments: allScenes() + ["scale/server-200-children.scene"])
  func listCount(file: String) throws {
    let fresh = try sceneApp(file, view: .diagram)
    let steps = file.hasPrefix("scale/") ? [30] : Array(0...fresh.timeline.stepCount)
    var checked = 0
    for (width, height) in [(80, 24), (120, 40), (200, 60)] {
      // One frame fits the diagram to the pane at this size; the reducer then fits every step's
      // diagram to it (as the runtime does: one plan per timeline and width). A frame per step
      // is not needed: the boxes checked are the layout's (`render` alone is pure and changes
      // nothing, so it never fitted them to the size).
      var s = fresh
      s.go(to: steps[0])
      _ = s.frame(width: width, height: height)
      for k in steps {
        s.go(to: k)
        guard let d = s.layout.diagram?.whole else { continue }
        for box in d.anonVMAs where s.world.anonVMA(box.anonVMA)?.alive == true {
          guard let line = box.lines.first(where: { $0.hasPrefix("list ") }) else { continue }
          #expect(
            Self.entries(line) == s.world.listVMAs(box.anonVMA).count,
            "\(file) step \(k) at \(width)x\(height) \(World.avName(box.anonVMA)): \(line)")
          checked += 1
        }
      }
    }
    #expect(checked > 0 || !file.hasPrefix("e"))
  }
}

@Suite("A VMA row's chain is never cut mid-name")
struct ChainCutTests {
  @Test(
    "at 80x24 and 120x40, every step of every scene: a row's chain is whole, its length (chain 3) or left out, never cut inside a word",
    arguments: allScenes())
  func chainWhole(file: String) throws {
    try forEachRow(file) { row in
      // The word before each `…`: a piece of `chain` or of an anon_vma's name is a chain cut.
      row.split(separator: " ").contains { word in
        guard word.hasSuffix("…"), word.count > 1 else { return false }
        let piece = word.dropLast()
        return "chain".hasPrefix(piece)
          || (piece.hasPrefix("A") && piece.dropFirst().allSatisfy { $0 == "V" || $0.isNumber })
      }
    }
  }
}

struct WalkNoteCutTests {
  /// The words a walk note is made of (``ForestDiagram/walkNote(_:)``).
  static let words = ["rmap", "skipped"]
  /// What a visited VMA's note says the walk found there.
  static let found = ["✓maps", "✓unmapped", "✓remapped"]

  @Test(
    "at 80x24 and 120x40, every step of every scene: a walk note is whole or one of its shorter forms (#2 ✓), a violation mark whole, never cut inside a word",
    arguments: allScenes())
  func walkNoteWhole(file: String) throws {
    try forEachRow(file) { row in
      let words = row.split(separator: " ").map(String.init)
      return words.indices.contains { i in
        guard words[i].hasSuffix("…") else { return false }
        let piece = String(words[i].dropLast())
        guard !piece.isEmpty else { return false }
        let after = i > 0 ? words[i - 1] : ""
        // What the walk found, after its number: whole, or `✓` alone.
        if after.hasPrefix("#") { return !(Self.found.contains(piece) || piece == "✓") }
        // `no pte` whole.
        if after == "no", i > 1, words[i - 2].hasPrefix("#") { return piece != "pte" }
        if piece.hasPrefix("✓") { return !Self.found.contains(piece) && piece != "✓" }
        // A violation mark: `!C12` whole.
        if piece.hasPrefix("!") { return !(piece.count > 2 && piece.dropFirst(2).allSatisfy(\.isNumber)) }
        return piece == "#" || (piece.count >= 2 && Self.words.contains { $0 != piece && $0.hasPrefix(piece) })
      }
    }
  }

  @Test("a walk note's shorter forms keep its number and what it found")
  func shorterForms() {
    #expect(ForestDiagram.shorterWalkNotes("rmap #2 ✓unmapped") == ["#2 ✓unmapped", "#2 ✓", "#2"])
    #expect(ForestDiagram.shorterWalkNotes("rmap #3 no pte") == ["#3 no pte", "#3"])
    #expect(ForestDiagram.shorterWalkNotes("rmap skipped") == ["skipped"])
    #expect(ForestDiagram.shorterWalkNotes("rmap #1") == ["#1"])
  }
}

/// Every row of the diagram frame of every step of a scene at 80x24 and 120x40: `isCut` says
/// whether a row cuts a word, and each such row is an issue.
private func forEachRow(_ file: String, _ isCut: (Substring) -> Bool) throws {
  // One size at a time, drawn as the runtime draws (`frame`): the diagram is planned once per
  // size, not again for every frame as an unsynced `render` does.
  for (width, height) in [(80, 24), (120, 40)] {
    var s = try sceneApp(file, view: .diagram)
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      for row in s.frame(width: width, height: height).plainText.split(separator: "\n") where isCut(row) {
        Issue.record("\(file) step \(k) at \(width)x\(height): \(row)")
      }
    }
  }
}
