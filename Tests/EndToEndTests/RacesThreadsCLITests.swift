import Foundation
import Testing

@Suite("anonvis races on threads")
struct RacesThreadsCLITests {
  @Test(
    "one thread or two: the same standard output and the same counterexample files, byte for byte (two scenes with findings)"
  )
  func sameFilesOnThreads() throws {
    for (scene, variant) in [
      ("scenes/races/d3-ksm-drop-vs-munmap.scene", "plain-dec"),
      ("scenes/races/d7-page-lock-vs-reuse.scene", "root-reread"),
    ] {
      var outputs: [String] = []
      var files: [[String: Data]] = []
      for threads in ["1", "2"] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("races-threads-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try run(["races", scene, "--variant", variant, "--threads", threads, "--out", dir.path])
        #expect(result.status == 1, "\(result.stderr)")
        outputs.append(result.stdout.replacingOccurrences(of: dir.path, with: "DIR"))
        var written: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
          written[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        files.append(written)
      }
      #expect(outputs[0] == outputs[1], "\(scene)")
      #expect(!files[0].isEmpty && files[0] == files[1], "\(scene): \(files.map { $0.keys.sorted() })")
    }
  }
}
