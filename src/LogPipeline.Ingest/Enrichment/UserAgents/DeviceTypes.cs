namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary><c>logpipeline.user_agent.device.type</c>.</summary>
public enum DeviceType
{
    Other,
    Desktop,
    Mobile,
    Tablet,
    Bot,
}

/// <summary>
/// Device type from uap-core's fields, first rule that applies:
/// <list type="number">
/// <item>bot: the request is a bot (<see cref="BotClassifier"/>, which includes device family "Spider");</item>
/// <item>other: device family names a TV, console, set-top box or watch (HbbTV, NetCast, PlayStation, Xbox, Roku, Apple
/// Watch …);</item>
/// <item>tablet: device family/model names a tablet (iPad, Kindle, "Tablet", Galaxy Tab, Nexus 7/9/10, Surface), or
/// OS Android without "Mobile" in the user agent (Android's own convention for tablets);</item>
/// <item>mobile: device family iPhone/iPod or a "Smartphone"/"Feature Phone", or a mobile OS (iOS, Android, Windows
/// Phone, BlackBerry, KaiOS, Symbian, Firefox OS …), or any other device uap-core names with a brand (its device rules
/// are handsets: feature phones, Windows Mobile phones);</item>
/// <item>desktop: device family "Other" or "Mac" on a desktop OS (Windows, Mac OS X, Linux distributions, Chrome OS,
/// BSDs);</item>
/// <item>other: everything else (TVs, consoles, watches, unknown).</item>
/// </list>
/// Pure and thread-safe; like <see cref="BotClassifier"/>, run once per distinct user agent by the parser
/// (<see cref="UserAgentInfo.DeviceType"/>).
/// </summary>
public static class DeviceTypes
{
    private static readonly string[] TabletNames = ["iPad", "Kindle", "Tablet", "Galaxy Tab", "Nexus 7", "Nexus 9", "Nexus 10", "Surface", "Tab "];

    private static readonly string[] OtherDeviceNames =
    [
        "TV", "HbbTV", "NetCast", "Inettv", "PlayStation", "Xbox", "Nintendo", "Wii", "Roku", "Watch", "Chromecast", "Ouya",
        "SmartTV",
    ];

    private static readonly HashSet<string> MobileOs = new(StringComparer.Ordinal)
    {
        "iOS", "Android", "Windows Phone", "Windows Mobile", "Windows CE", "BlackBerry OS", "BlackBerry Tablet OS", "KaiOS",
        "Symbian OS", "Symbian^3", "Series 60", "Series 40", "Firefox OS", "Sailfish", "Tizen", "webOS", "MeeGo", "Maemo",
        "Bada", "HarmonyOS",
    };

    private static readonly HashSet<string> DesktopOs = new(StringComparer.Ordinal)
    {
        "Windows", "Mac OS X", "Mac OS", "Linux", "Ubuntu", "Debian", "Fedora", "Red Hat", "CentOS", "Gentoo", "Mint",
        "Kubuntu", "Xubuntu", "Mandriva", "SUSE", "openSUSE", "Slackware", "Arch Linux", "Chrome OS", "FreeBSD", "OpenBSD",
        "NetBSD", "Solaris", "Haiku",
    };

    public static DeviceType Classify(UserAgentInfo? info, BotReason bot, ReadOnlySpan<char> userAgent)
    {
        if (bot != BotReason.None)
        {
            return DeviceType.Bot;
        }

        if (info is null)
        {
            return DeviceType.Other;
        }

        var family = info.DeviceName;
        var model = info.DeviceModel ?? string.Empty;
        if (family == "Spider")
        {
            return DeviceType.Bot;
        }

        if (Names(family, OtherDeviceNames))
        {
            return DeviceType.Other;
        }

        if (Names(family, TabletNames) || Names(model, TabletNames))
        {
            return DeviceType.Tablet;
        }

        if (family is "iPhone" or "iPod" or "iPod touch" || family.Contains("Smartphone", StringComparison.Ordinal) ||
            family.Contains("Feature Phone", StringComparison.Ordinal))
        {
            return DeviceType.Mobile;
        }

        if (info.OsName == "Android" && !userAgent.Contains("Mobile", StringComparison.Ordinal) && family != "Other")
        {
            // Android browsers write "Mobile" on phones and leave it out on tablets.
            return DeviceType.Tablet;
        }

        if (MobileOs.Contains(info.OsName))
        {
            return DeviceType.Mobile;
        }

        if (family is not "Other" and not "Mac" && info.DeviceBrand is not null)
        {
            return DeviceType.Mobile;
        }

        if (family is "Other" or "Mac" && (DesktopOs.Contains(info.OsName) || info.OsName.StartsWith("Windows", StringComparison.Ordinal)))
        {
            return DeviceType.Desktop;
        }

        return DeviceType.Other;
    }

    /// <summary>The keyword written to the field.</summary>
    public static string Keyword(DeviceType type) => type switch
    {
        DeviceType.Desktop => "desktop",
        DeviceType.Mobile => "mobile",
        DeviceType.Tablet => "tablet",
        DeviceType.Bot => "bot",
        _ => "other",
    };

    private static bool Names(string name, string[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (name.Contains(candidate, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
