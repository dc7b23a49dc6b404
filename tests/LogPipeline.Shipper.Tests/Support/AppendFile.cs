using System.Runtime.InteropServices;

namespace LogPipeline.Shipper.Tests.Support;

/// <summary>
/// A file opened like nginx opens its log: O_WRONLY|O_CREAT|O_APPEND, one write() per call, so writes
/// land at the end even after someone truncated the file (copytruncate) — .NET's FileMode.Append
/// tracks its own position instead and would leave a hole.
/// </summary>
internal sealed partial class AppendFile : IDisposable
{
    private const int OWrOnly = 0x1;
    private const int OCreat = 0x40;
    private const int OAppend = 0x400;
    private const int OCloExec = 0x80000;
    private int _fd;

    public AppendFile(string path)
    {
        _fd = Open(path, OWrOnly | OCreat | OAppend | OCloExec, 0x1A4 /* 0644 */);
        if (_fd < 0)
        {
            throw new IOException($"open({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public unsafe void Write(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = WriteNative(_fd, p + done, (nuint)(data.Length - done));
                if (n < 0)
                {
                    throw new IOException($"write failed: errno {Marshal.GetLastPInvokeError()}");
                }

                done += (int)n;
            }
        }
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = Close(_fd);
            _fd = -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteNative(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
