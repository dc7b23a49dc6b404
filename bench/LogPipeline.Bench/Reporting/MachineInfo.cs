using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace LogPipeline.Bench.Reporting;

/// <summary>What the numbers were measured on: cores, CPU model, memory, kernel, runtime, peer package versions.</summary>
public static class MachineInfo
{
    public static IReadOnlyList<(string Key, string Value)> Describe()
    {
        var rows = new List<(string, string)>
        {
            ("date (UTC)", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)),
            ("nproc", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)),
            ("CPU", CpuModel()),
            ("memory", Memory()),
            ("kernel", Read("/proc/sys/kernel/osrelease")),
            ("OS", OsName()),
            (".NET", RuntimeInformation.FrameworkDescription),
        };
        foreach (var pkg in new[] { "rsyslog", "rsyslog-kafka", "librdkafka1", "nginx" })
        {
            rows.Add((pkg, PackageVersion(pkg)));
        }

        rows.Add(("syslog-ng (private prefix)", SyslogNgVersion()));
        rows.Add(("LogPipeline revision", Revision()));
        return rows;
    }

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";

    private static string Memory()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault() : null;
        var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return kb is null ? "?" : $"{long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0:0.0} GiB";
    }

    private static string OsName() =>
        File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"') ?? "?"
            : "?";

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "?";

    private static string PackageVersion(string pkg)
    {
        var v = Run("dpkg-query", "-W", "-f=${Version}", pkg);
        return string.IsNullOrWhiteSpace(v) ? "not installed" : v.Trim();
    }

    private static string SyslogNgVersion()
    {
        var control = Directory.Exists(Peers.PeerConfig.PrefixDirectory)
            ? Directory.EnumerateFiles(Peers.PeerConfig.PrefixDirectory, "syslog-ng-core_*.deb", SearchOption.AllDirectories).FirstOrDefault()
            : null;
        return control is null ? "not unpacked" : Path.GetFileNameWithoutExtension(control).Split('_')[1].Replace("%2b", "+", StringComparison.Ordinal);
    }

    /// <summary>The commit measured, and whether the working tree of the measured components differed from it.</summary>
    private static string Revision()
    {
        var root = LogPipeline.Testing.RepoPaths.Root;
        var head = Run("git", "-C", root, "rev-parse", "--short", "HEAD").Trim();
        var dirty = Run("git", "-C", root, "status", "--porcelain", "--", "src").Trim();
        return head.Length == 0 ? "?" : head + (dirty.Length == 0 ? string.Empty : " + uncommitted changes in src/ (work in progress at the time)");
    }

    private static string Run(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit(5000);
            return p.ExitCode == 0 ? output : string.Empty;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return string.Empty;
        }
    }
}
