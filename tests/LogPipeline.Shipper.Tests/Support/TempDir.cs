namespace LogPipeline.Shipper.Tests.Support;

/// <summary>A fresh directory on /dev/shm (the pod's memory-backed emptyDir), removed afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        FullPath = Path.Combine(root, "lp-shipper-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(FullPath);
    }

    public string FullPath { get; }

    public string Combine(params string[] parts) => Path.Combine([FullPath, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
