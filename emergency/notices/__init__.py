"""The response package (应急响应材料), rendered from jinja2 templates, in Chinese:
a control notice per enterprise (管控通知), the list view for the level as Excel
(应急减排清单·本级别措施), the public announcement (预警信息发布), printable HTML."""
