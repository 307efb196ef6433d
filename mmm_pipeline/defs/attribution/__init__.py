"""Attribution: click-based and MMM-based credit per week, geo and channel."""
