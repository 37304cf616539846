"""Group integration circles: series, sessions, roster, attendance and the group note."""
