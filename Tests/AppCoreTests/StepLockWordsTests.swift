import AnonVMASim
import Foundation
import TestSupport
import Testing

@testable import AppCore

/// The kernel function a line names in its parentheses: `cpu0 locks AV1 (fork P1 P2: anon_vma_lock) ×3,
/// held after the step` → `anon_vma_lock`.
private func function(_ line: String) -> String {
  var text = line
  if text.hasSuffix(", held after the step") { text = String(text.dropLast(", held after the step".count)) }
  if let times = text.range(of: " ×", options: .backwards) { text = String(text[..<times.lowerBound]) }
  guard let open = text.range(of: " ("), text.hasSuffix(")") else { return "" }
  let inside = text[open.upperBound...].dropLast()
  return inside.components(separatedBy: ": ").last ?? ""
}

/// Whether `cpu` holds `lock` (`AV1`) in `w`.
private func holds(_ w: World, _ cpu: Int, _ lock: String) -> Bool {
  World.anonVMAID(named: lock).map { id in w.lockHolders.contains(id) { $0.cpu == cpu } } ?? false
}

@Suite("A step's locks in words are true: who took, still holds, released and waits, in whose function")
struct StepLockWordsTests {
  @Test(
    "every step of every scene: each line of the step's locks is what its micro-states did, and every lock held before or after the step is named",
    arguments: allScenes())
  func wordsAreTrue(file: String) throws {
    let t = try sceneApp(file).timeline
    guard t.stepCount > 0 else { return }
    var checked = 0
    for k in 1...t.stepCount {
      let (start, end) = (t.states[k - 1], t.states[k])
      let micro = t.replay.microStates(step: k)
      let locks = StepLocks(micro, start: start, end: end)
      let lines = locks.summary
      // The brief lines (a short locks line) are these lines without their kernel functions,
      // neighbours then equal counted as one (E3's exit takes AV1 in anon_vma_lock, then in
      // drop_anon_vma's atomic_dec_and_lock: `cpu0 locks AV1 (exit P3) ×4`).
      var brief: [(text: String, count: Int, held: Bool)] = []
      for line in lines {
        let f = function(line)
        var text = f.isEmpty ? line : line.replacing(": \(f))", with: ")")
        let held = text.hasSuffix(", held after the step")
        if held { text = String(text.dropLast(", held after the step".count)) }
        var count = 1
        if let times = text.range(of: " ×", options: .backwards), let n = Int(text[times.upperBound...]) {
          count = n
          text = String(text[..<times.lowerBound])
        }
        if let last = brief.last, last.text == text, last.held == held, text.contains(" locks ") {
          brief[brief.count - 1].count += count
        } else {
          brief.append((text, count, held))
        }
      }
      let briefLines = brief.map {
        $0.text + ($0.count > 1 ? " ×\($0.count)" : "") + ($0.held ? ", held after the step" : "")
      }
      #expect(locks.summary(functions: false) == briefLines, "\(file) step \(k)")
      // (cpu, lock) pairs the lines name as held after the step.
      var namedAfter = Set<String>()
      var namedBefore = Set<String>()
      for line in lines {
        let words = line.split(separator: " ").map(String.init)
        guard words.count >= 4, words[0].hasPrefix("cpu"), let cpu = Int(words[0].dropFirst(3)) else {
          Issue.record("\(file) step \(k): unreadable '\(line)'")
          continue
        }
        switch (words[1], words[2]) {
        case ("still", "holds"):
          let lock = words[3]
          #expect(holds(start, cpu, lock) && holds(end, cpu, lock), "\(file) step \(k): \(line)")
          namedBefore.insert("\(cpu) \(lock)")
          namedAfter.insert("\(cpu) \(lock)")
        case ("releases", _):
          let lock = words[2]
          #expect(holds(start, cpu, lock), "\(file) step \(k): \(line): not held before the step")
          // Released by a micro-step of that CPU, in the function named.
          let function = function(line)
          let released = micro.indices.contains { i in
            let before = i == 0 ? start : micro[i - 1].world
            return micro[i].event.cpu == cpu && micro[i].event.function == function && holds(before, cpu, lock)
              && !holds(micro[i].world, cpu, lock)
          }
          #expect(released, "\(file) step \(k): \(line)")
          namedBefore.insert("\(cpu) \(lock)")
        case ("locks", _):
          let lock = words[2]
          let function = function(line)
          // Taken in a micro-step of that CPU, in the function named.
          let taken = micro.indices.contains { i in
            let before = i == 0 ? start : micro[i - 1].world
            return micro[i].event.cpu == cpu && micro[i].event.function == function && !holds(before, cpu, lock)
              && holds(micro[i].world, cpu, lock)
          }
          #expect(taken, "\(file) step \(k): \(line): not taken by cpu\(cpu) in \(function)")
          if line.hasSuffix(", held after the step") {
            #expect(holds(end, cpu, lock), "\(file) step \(k): \(line)")
            namedAfter.insert("\(cpu) \(lock)")
          }
        case ("waits", "for"):
          // Still waiting when the step ends.
          #expect(end.cpus[cpu].waitingFor.map(World.avName) == words[3], "\(file) step \(k): \(line)")
        case ("waited", "for"):
          // Waiting in the step, no longer at its end (it got the lock, or its release woke it).
          #expect(
            micro.contains { $0.world.cpus[cpu].waitingFor.map(World.avName) == words[3] }
              && end.cpus[cpu].waitingFor.map(World.avName) != words[3], "\(file) step \(k): \(line)")
        default:
          Issue.record("\(file) step \(k): unreadable '\(line)'")
        }
        checked += 1
      }
      // Every lock held before the step is said to be kept or released; every lock held after
      // it is said to be kept or taken and held; every CPU waiting at the end is named.
      for (w, named, what) in [(start, namedBefore, "before"), (end, namedAfter, "after")] {
        for lock in w.lockHolders.keys {
          for h in w.lockHolders[lock] ?? [] {
            #expect(
              named.contains("\(h.cpu) \(World.avName(lock))"),
              "\(file) step \(k): cpu\(h.cpu) holds \(World.avName(lock)) \(what) the step, unsaid: \(lines)")
          }
        }
      }
      for cpu in end.cpus {
        if let lock = cpu.waitingFor {
          // On a 6.x rwsem, what for: `cpu1 waits for AV1 (write)`.
          let mode = cpu.waitingMode.map { $0 == .exclusive ? "" : " (\($0.rawValue))" } ?? ""
          #expect(
            lines.contains("cpu\(cpu.id) waits for \(World.avName(lock))\(mode)"), "\(file) step \(k): \(lines)")
        }
      }
    }
    if file.hasPrefix("concurrency/") || file.hasPrefix("e3") { #expect(checked > 0) }
  }
}
