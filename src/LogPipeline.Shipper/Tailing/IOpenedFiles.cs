using System.Diagnostics.CodeAnalysis;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// Descriptors of new chain files, opened the moment they appear by someone other than the tail loop
/// (<see cref="InotifyWatcher"/>), and taken by the tail loop at its own pace. The gap between the two is why a
/// copytruncate copy can reach the loop after the truncation it belongs to (<see cref="FileState.AwaitingCopy"/>).
/// Threading: every member is called by the tail loop; the implementation hands descriptors over thread-safely.
/// </summary>
internal interface IOpenedFiles : IDisposable
{
    /// <summary>Chain files created and gone before they could be opened (their lines are lost).</summary>
    long MissedFiles { get; }

    /// <summary>(Re-)starts watching <paramref name="directory"/> if it is not watched.</summary>
    void EnsureWatching(string directory);

    /// <summary>The next descriptor opened and not taken yet, oldest first.</summary>
    bool TryTakeOpened([NotNullWhen(true)] out SafeFileHandle? handle);
}
