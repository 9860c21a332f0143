import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Every `.scene` file under scenes/, as a path relative to it.
private func everyScene() -> [String] {
  let root = repoRoot.appendingPathComponent("scenes").standardizedFileURL.path
  let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
  return files.filter { $0.hasSuffix(".scene") }.sorted()
}

/// The narration pane's inner rows in a plain-text frame (one model on screen).
private func narrationRows(_ frame: String) -> [String] {
  let rows = frame.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  guard let top = rows.firstIndex(where: { $0.hasPrefix("┌") && $0.contains(" narration") }) else { return [] }
  var out: [String] = []
  for row in rows[(top + 1)...] {
    if row.hasPrefix("└") { break }
    out.append(String(row.dropFirst().dropLast()))
  }
  return out
}

/// Whether a narration row is the pane's scroll line (`↓ 3 more (PgDn)`).
private func isScrollLine(_ row: String) -> Bool {
  row.hasPrefix("↓ ") || row.hasPrefix("↑ ") || row.contains(" more paragraphs")
}

/// The words of a `say` paragraph as the frame shows them between its quotes.
private func words(_ paragraph: String) -> [String] {
  paragraph.split(separator: " ").map(String.init)
}

/// The tokens of narration rows, quotes stripped (a paragraph is drawn between “ and ”).
private func tokens(_ rows: [String]) -> [String] {
  rows.flatMap { $0.split(separator: " ") }.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "“”")) }
}

@Suite("Every size: teaching text never cut")
struct EverySizeTests {
  @Test("at 80x24 every word of every say line shows in the narration (PgDn scrolls); at 120x40 without scrolling")
  func sayNeverCut() throws {
    let scenes = everyScene()
    #expect(scenes.count > 30)
    for file in scenes {
      var s = try sceneApp(file)
      for k in 0...s.timeline.stepCount where !s.timeline.steps[k].say.isEmpty {
        s.go(to: k)
        let say = s.timeline.steps[k].say
        // 120x40: each paragraph whole and in one piece, no scrolling.
        let wide = narrationRows(s.render(width: 120, height: 40).plainText)
        let wideText = tokens(wide.filter { !isScrollLine($0) }).joined(separator: " ")
        for p in say {
          #expect(wideText.contains(words(p).joined(separator: " ")), "\(file) step \(k) at 120x40: \(p)")
        }
        // 80x24: every word in the pane, scrolling with PgDn while it says there is more.
        var seen = Set<String>()
        for _ in 0..<40 {
          let rows = narrationRows(s.render(width: 80, height: 24).plainText)
          seen.formUnion(tokens(rows.filter { !isScrollLine($0) }))
          guard rows.contains(where: { isScrollLine($0) && $0.contains("more") }) else { break }
          send(&s, [.pageDown])
        }
        for p in say {
          let missing = words(p).filter { !seen.contains($0.trimmingCharacters(in: CharacterSet(charactersIn: "“”"))) }
          #expect(missing.isEmpty, "\(file) step \(k) at 80x24: \(missing) of \(p)")
        }
      }
    }
  }

  @Test("the header keeps the model and shows the title whole or cut at a word boundary with …; so do the hints")
  func headerAndStatusElide() throws {
    for file in everyScene() {
      var s = try sceneApp(file)
      let title = s.timeline.title
      for k in [0, s.timeline.stepCount] {
        s.go(to: k)
        for width in [80, 100, 120] {
          let rows = s.render(width: width, height: 30).plainText.split(separator: "\n").map(String.init)
          let header = rows.first ?? ""
          #expect(header.contains("kernel \(s.timeline.kernel.rawValue)"), "\(file) at \(width): \(header)")
          #expect(header.contains("step \(k)/\(s.timeline.stepCount)"))
          if !header.contains(title) {
            let shown = header.drop { $0 == " " }
            let cut = shown.components(separatedBy: "…").first ?? ""
            let prefix = cut.hasPrefix("anonvis  ") ? String(cut.dropFirst(9)) : cut
            #expect(shown.contains("…") && title.hasPrefix(prefix), "\(file) at \(width): \(header)")
            #expect(title.dropFirst(prefix.count).first == " ", "cut mid-word: \(header)")
          }
          let status = rows.last ?? ""
          #expect(status.hasSuffix("step \(k)/\(s.timeline.stepCount)"), "\(file) at \(width): \(status)")
          // Whole hints only: one of the lines Keymap offers for the state (the least needed
          // hints dropped first), or, if even the shortest does not fit, one cut at a hint with `…`.
          let offered = Keymap.hintLine(for: s, ascii: false).candidates.map(\.text).filter { !$0.isEmpty }
          if !offered.contains(where: { status.hasPrefix($0 + " ") }) {
            let cut = status.components(separatedBy: "…").first ?? ""
            let shortest = offered.last ?? ""
            #expect(status.contains("…") && shortest.hasPrefix(cut), "\(file) at \(width): \(status)")
            #expect(shortest.dropFirst(cut.count).hasPrefix("  "), "hints cut inside one: \(status)")
          }
        }
      }
    }
  }

  @Test("a long title is elided at a word boundary; the kernel model stays")
  func longTitle() {
    var s = app("title \"A very long title about anon_vma chains and the root lock of every forest\"\nspawn P1")
    send(&s, [.right])
    let header = s.render(width: 80, height: 24).plainText.split(separator: "\n").first.map(String.init) ?? ""
    #expect(header.hasPrefix(" A very long title about anon_vma chains and the root…  kernel 2.6.36 "), "\(header)")
  }

  @Test(
    "the title is cut only when it does not fit beside the model's shortest name; until then the model is named shorter",
    arguments: [
      (KernelVersion.v2_6_36, [Variant](), "kernel 2.6.36 (root lock)", "kernel 2.6.36", "kernel 2.6.36"),
      (
        .mainline, [.mremapUAF], "kernel mainline v7.0 (reworked clone/unlink) variant mremap-uaf",
        "kernel mainline variant mremap-uaf", "kernel mainline+mremap-uaf"
      ),
    ])
  func titleBeforeModel(_ kernel: KernelVersion, _ variants: [Variant], long: String, short: String, compact: String) {
    let title = "mremap UAF (2026), layout 3: both neighbours unfaulted"
    let header = Header(
      title: title, kernel: kernel, variants: variants, explore: false, fileName: "", step: 1, stepCount: 2,
      theme: .unicode)
    var cut = 0
    for room in 20...140 {
      let left = header.left(room: room)
      #expect(Buffer.width(left) <= room, "\(room): \(left)")
      let names = [" anonvis  \(title)  \(long)", " \(title)  \(long)", " \(title)  \(short)", " \(title)  \(compact)"]
      if let whole = names.first(where: { Buffer.width($0) <= room }) {
        #expect(left == whole, "\(room): the longest line with the whole title")
      } else if room >= 1 + 9 + 2 + Buffer.width(compact) {
        // Cut: at a word boundary, beside the shortest name (with at least 8 columns of title).
        let kept = left.dropFirst().components(separatedBy: "…").first ?? ""
        #expect(left.hasSuffix("…  \(compact)") && title.hasPrefix(kept), "\(room): \(left)")
        #expect(title.dropFirst(kept.count).first == " ", "\(room): cut inside a word: \(left)")
        cut += 1
      } else {
        #expect(left.contains("…"), "\(room): \(left)")
      }
    }
    #expect(cut > 0)
  }

  @Test("a word wider than the narration pane (a URL) is broken across lines, every character shown, at every width")
  func longWordBroken() throws {
    let url = "https://lore.kernel.org/lkml/20100526153819.6e5cec0d@annuminas.surriel.com/T/#u"
    let long = String(repeating: "anon_vma_chain_", count: 9) + "end"
    var s = app(
      """
      spawn P1
      say "The thread: \(url) and one long name: \(long) (read both)"
      """)
    s.go(to: 1)
    for (width, height) in [(60, 16), (80, 24), (120, 40), (200, 60)] {
      // Every page of the pane (PgDn while it says there is more), each row at its place in the
      // paragraph (`↑ N above` says where a page starts), spaces dropped: a broken word's pieces
      // join up.
      var page = s
      var placed: [Int: String] = [:]
      for _ in 0..<20 {
        let rows = narrationRows(page.render(width: width, height: height).plainText)
        let scroll = rows.last(where: isScrollLine) ?? ""
        let above = scroll.hasPrefix("↑ ") ? Int(scroll.dropFirst(2).prefix { $0.isNumber }) ?? 0 : 0
        for (i, row) in rows.filter({ !isScrollLine($0) }).enumerated() { placed[above + i] = row }
        guard scroll.contains("more") else { break }
        send(&page, [.pageDown])
      }
      let shown = placed.keys.sorted().compactMap { placed[$0] }.joined().filter { $0 != " " }
      #expect(shown.contains(url), "at \(width)x\(height): \(shown)")
      #expect(shown.contains(long), "at \(width)x\(height): \(shown)")
      #expect(shown.contains("(readboth)”"), "at \(width)x\(height): the words after the long one follow it")
    }
  }

  @Test("terminal too small below 60x16, not at 60x16")
  func tooSmall() throws {
    var s = try sceneApp("e3-three-generations.scene")
    s.go(to: 5)
    for (w, h) in [(59, 16), (60, 15)] {
      #expect(s.render(width: w, height: h).plainText.contains("terminal too small: need 60×16 (now \(w)×\(h))"))
    }
    let fits = s.render(width: 60, height: 16).plainText
    #expect(!fits.contains("terminal too small") && fits.contains("step 5/8"))
  }

  @Test(
    "PgDn/PgUp scroll the narration in the steps pane, the hint names the key; j still steps in; a step starts at the top"
  )
  func narrationScroll() throws {
    var s = try sceneApp("e3-three-generations.scene")
    s.go(to: 5)
    let first = narrationRows(s.render(width: 80, height: 24).plainText)
    #expect(first.last?.hasPrefix("↓ 3 more (PgDn)") == true, "\(first)")
    #expect(first.contains { $0.contains("external_refcount is 2.”") })
    send(&s, [.pageDown])
    let scrolled = narrationRows(s.render(width: 80, height: 24).plainText)
    #expect(scrolled.last?.hasPrefix("↑ 3 above (PgUp)") == true, "\(scrolled)")
    #expect(scrolled.contains { $0.hasPrefix("kernel: ") })
    send(&s, [.pageDown, .pageDown])
    #expect(narrationRows(s.render(width: 80, height: 24).plainText) == scrolled)
    send(&s, [.pageUp, .pageUp])
    #expect(narrationRows(s.render(width: 80, height: 24).plainText) == first)
    send(&s, [.pageDown, .tab])
    #expect(narrationRows(s.render(width: 80, height: 24).plainText).last?.contains("(tab, PgUp)") == true)
    send(&s, [.backTab, .right])
    #expect(narrationRows(s.render(width: 80, height: 24).plainText).first?.hasPrefix("6 exit P2") == true)
    send(&s, [.char("j")])
    #expect(s.micro == 0)
  }

  @Test(
    "PgDn pages the narration by the rows its pane shows at the frame's size, the last line of a page first on the next; PgUp at the end moves at once"
  )
  func narrationPagesAtFrameSize() throws {
    let says = (1...24).map { "say \"Paragraph \($0) tells the students one more thing about the root anon_vma.\"" }
    for (width, height) in [(80, 24), (120, 40), (200, 60)] {
      var s = app((["spawn P1"] + says).joined(separator: "\n"))
      s.go(to: 1)
      // What the pane shows: its text rows, and the `↑ N above` count.
      func shown() -> (rows: [String], above: Int, more: Bool) {
        let rows = narrationRows(s.frame(width: width, height: height).plainText)
        let scroll = rows.last(where: isScrollLine) ?? ""
        let above = scroll.hasPrefix("↑ ") ? Int(scroll.dropFirst(2).prefix { $0.isNumber }) ?? -1 : 0
        return (rows.filter { !isScrollLine($0) }, above, scroll.contains("more"))
      }
      var page = shown()
      let perPage = page.rows.count
      #expect(page.more && perPage > 3, "\(width)x\(height): \(page.rows)")
      var pages = 0
      while page.more && pages < 40 {
        let before = page
        send(&s, [.pageDown])
        page = shown()
        pages += 1
        #expect(page.above == before.above + perPage - 1 || !page.more, "\(width)x\(height) page \(pages)")
        #expect(page.rows.first == before.rows.last || !page.more, "\(width)x\(height) page \(pages)")
        #expect(page.above > before.above, "\(width)x\(height): PgDn did not move")
      }
      #expect(!page.more && page.rows.contains { $0.contains("Paragraph 24") }, "\(width)x\(height): \(page.rows)")
      // At the end, one PgUp shows earlier lines.
      let end = page.above
      send(&s, [.pageUp])
      #expect(shown().above == max(0, end - (perPage - 1)), "\(width)x\(height)")
    }
  }

  @Test(
    "comparing (stacked at 120x40, side by side at 160x40), PgDn shows every line of both halves' narration, the other model's `≠` lines too, none skipped"
  )
  func compareNarrationPages() throws {
    for (width, height) in [(120, 40), (160, 40)] {
      var s = try sceneApp("e3-three-generations.scene", view: .diagram)
      s.setCompare(.v2_6_34)
      // Each half's columns: side by side from 160 columns, else the full width.
      let halves = width >= 160 ? [0..<width / 2, width / 2..<width] : [0..<width]
      var cut = 0
      for k in 1...s.timeline.stepCount {
        s.go(to: k)
        // Every narration pane of the frame, top to bottom and left to right: the lines of
        // text it shows (their index in its text) and whether more follow.
        func panes() -> [(lines: Range<Int>, more: Bool, hint: String)] {
          let rows = s.frame(width: width, height: height).plainText.split(separator: "\n").map { Array($0) }
          return halves.flatMap { columns in
            let half = rows.map { String($0[min(columns.lowerBound, $0.count)..<min(columns.upperBound, $0.count)]) }
            var out: [(lines: Range<Int>, more: Bool, hint: String)] = []
            var y = 0
            while y < half.count {
              defer { y += 1 }
              guard half[y].hasPrefix("┌"), half[y].contains(" narration") else { continue }
              var text: [String] = []
              y += 1
              while y < half.count, !half[y].hasPrefix("└") {
                text.append(String(half[y].dropFirst().dropLast()))
                y += 1
              }
              let scroll = text.last(where: isScrollLine) ?? ""
              let above = scroll.hasPrefix("↑ ") ? Int(scroll.dropFirst(2).prefix { $0.isNumber }) ?? -1 : 0
              let shown = text.filter { !isScrollLine($0) }.count
              out.append((above..<above + shown, scroll.contains("more"), scroll))
            }
            return out
          }
        }
        var page = panes()
        #expect(page.count == 2, "\(width)x\(height) step \(k): \(page.count) narration panes")
        var seen = page.map { IndexSet(integersIn: $0.lines) }
        if page.contains(where: \.more) { cut += 1 }
        var presses = 0
        while page.contains(where: \.more), presses < 40 {
          for pane in page where pane.more {
            #expect(!pane.hint.contains("tab"), "\(width)x\(height) step \(k): \(pane.hint)")
          }
          send(&s, [.pageDown])
          page = panes()
          presses += 1
          for (i, pane) in page.enumerated() where i < seen.count { seen[i].insert(integersIn: pane.lines) }
        }
        let stillMore = page.contains { $0.more }
        #expect(!stillMore, "\(width)x\(height) step \(k): PgDn stopped before the end")
        for (i, pane) in page.enumerated() where i < seen.count {
          #expect(
            seen[i] == IndexSet(integersIn: 0..<pane.lines.upperBound),
            "\(width)x\(height) step \(k) pane \(i): lines skipped")
        }
      }
      #expect(cut > 0, "\(width)x\(height): no step's narration needs scrolling")
    }
  }

  @Test("the inspector wraps a long same_anon_vma list at word boundaries instead of cutting it")
  func inspectorWraps() {
    var s = app("spawn P1\nmmap P1 A 1\ntouch P1 A 0\n" + (2...9).map { "fork P1 P\($0)\n" }.joined())
    send(&s, [.end, .tab, .tab, .enter])
    #expect(s.overlay == .inspector)
    // The popup's rows only (the panes behind it name the VMAs too).
    let rows = s.render(width: 60, height: 30).plainText.split(separator: "\n").map { Array($0) }
    let top = rows.firstIndex { String($0).contains("┌─ ▶ AV1 ") } ?? 0
    let x0 = rows[top].firstIndex(of: "┌") ?? 0
    let x1 = rows[top].lastIndex(of: "┐") ?? rows[top].count - 1
    var popup = ""
    for row in rows[(top + 1)...] {
      if row[x0] == "└" { break }
      popup += String(row[(x0 + 1)..<x1]) + "\n"
    }
    for p in 1...9 { #expect(popup.contains("P\(p):A@0"), "P\(p):A@0 missing or cut in\n\(popup)") }
  }

  @Test("large terminals give the narration more lines; the body keeps the rest")
  func largeTerminals() throws {
    var s = try sceneApp("e3-three-generations.scene")
    s.go(to: 8)
    let small = narrationRows(s.render(width: 80, height: 24).plainText)
    let large = narrationRows(s.render(width: 300, height: 100).plainText)
    #expect(small.count >= 5 && large.count >= 10)
    #expect(!large.contains { isScrollLine($0) })
  }

  @Test(
    "in the diagram view the narration never scrolls while blank rows sit under the whole diagram", arguments: 1...6)
  func narrationTakesEmptyRows(scene: Int) throws {
    let file = try #require(everyScene().first { $0.hasPrefix("e\(scene)-") })
    var s = try sceneApp(file, view: .diagram)
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let frame = s.frame(width: 80, height: 24).plainText
      let rows = frame.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      guard let top = rows.firstIndex(where: { $0.hasPrefix("┌") && $0.contains("anon_vma forest") }),
        let bottom = rows[top...].firstIndex(where: { $0.hasPrefix("└") })
      else { continue }
      // Blank rows at the end of the forest pane: the diagram ends above them.
      let blank = rows[(top + 1)..<bottom].reversed().prefix { $0.dropFirst().dropLast().allSatisfy { $0 == " " } }
      let scrolls = narrationRows(frame).contains { isScrollLine($0) && $0.contains("more") }
      #expect(!(scrolls && blank.count > 0), "\(file) step \(k): \(blank.count) blank rows\n\(frame)")
    }
  }
}
