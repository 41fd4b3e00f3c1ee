"""Normalization of typed company names (names.md): the first step of company resolution.

Always: NFKC (full-width ASCII letters, digits and punctuation to half-width, （）→ ()),
trim and drop white space between Chinese characters (collapse it elsewhere), unify brackets,
drop decorative punctuation, upper-case Latin letters.
"""

from __future__ import annotations

import re
import unicodedata

# Prefecture-level cities and provinces used to tell 北京一二三四 from 上海一二三四: a name
# whose city differs from another's is never the same company.
CITIES = (
    "北京 上海 天津 重庆 深圳 广州 东莞 佛山 珠海 中山 惠州 汕头 江门 湛江 杭州 宁波 温州 绍兴 嘉兴 湖州 金华 台州 "
    "苏州 南京 无锡 常州 南通 扬州 徐州 镇江 泰州 盐城 连云港 合肥 芜湖 马鞍山 蚌埠 济南 青岛 烟台 潍坊 淄博 "
    "临沂 威海 济宁 石家庄 唐山 保定 廊坊 邯郸 秦皇岛 太原 大同 包头 呼和浩特 鄂尔多斯 沈阳 大连 长春 吉林 "
    "哈尔滨 大庆 厦门 福州 泉州 漳州 南宁 柳州 桂林 海口 三亚 成都 绵阳 宜宾 武汉 宜昌 襄阳 长沙 株洲 "
    "湘潭 郑州 洛阳 南昌 赣州 西安 宝鸡 兰州 西宁 银川 乌鲁木齐 昆明 贵阳 遵义 拉萨"
).split()
PROVINCES = (
    "河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南 四川 贵州 "
    "云南 西藏 陕西 甘肃 青海 宁夏 新疆"
).split()
_PLACES = sorted(set(CITIES) | set(PROVINCES), key=len, reverse=True)
_PLACE_RE = "|".join(_PLACES)
# a place at the start (深圳市…, 北京…) or in brackets (…（西安）有限公司)
_LEADING_PLACE = re.compile(rf"^(?:{_PLACE_RE})(?:市|省|自治区)?")
_BRACKET_PLACE = re.compile(rf"\((?:{_PLACE_RE})(?:市|省)?\)")
_LEGAL_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|集团有限公司|有限公司|股份公司|集团公司|公司)$")

_BRACKETS = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "「": "(", "」": ")"})
_DECORATIVE = re.compile(r"[\"'`·・•、。,.;:!?*~_\-—–/\\|<>《》“”‘’«»]")
_CJK = r"[\u3400-\u9fff()]"
_SPACE_NEAR_CJK = re.compile(rf"(?<={_CJK})\s+|\s+(?={_CJK})")
_SPACES = re.compile(r"\s+")


def normalize(name: str | None) -> str | None:
    """The normalized form of a typed company name (``None`` stays ``None``)."""
    if name is None:
        return None
    text = unicodedata.normalize("NFKC", str(name)).translate(_BRACKETS)
    text = _DECORATIVE.sub(" ", text)
    text = _SPACE_NEAR_CJK.sub("", text.strip())
    text = _SPACES.sub(" ", text).strip().upper()
    return text.replace("()", "")


def city_of(normalized: str | None) -> str | None:
    """The city or province a normalized name starts with or names in brackets, if any."""
    if not normalized:
        return None
    m = _LEADING_PLACE.match(normalized)
    if m:
        return re.sub(r"(市|省|自治区)$", "", m.group(0))
    m = _BRACKET_PLACE.search(normalized)
    if m:
        return re.sub(r"[()]|(市|省)$", "", m.group(0))
    return None


def strip_city(normalized: str | None) -> str | None:
    """The name without its leading or bracketed place (深圳市云腾金属… → 云腾金属…)."""
    if normalized is None:
        return None
    return _BRACKET_PLACE.sub("", _LEADING_PLACE.sub("", normalized, count=1))


def suffix_core(normalized: str | None) -> str | None:
    """The name with 有限公司/有限责任公司/… unified, so suffix variants compare equal."""
    if normalized is None:
        return None
    return _LEGAL_SUFFIX.sub("#公司", normalized)
