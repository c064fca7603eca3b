"""What a person's name looks like in a byline: the name runs bylines hold, the known
surnames a bare name must start with, and the cleaning that cuts labels, dates and the next
field away from a name."""

from __future__ import annotations

import re

from cleaning.metadata.view import CJK

# a name is not the next credit's label (记者 王敏 通讯员 李强: two names, not one run)
_LABEL_WORD = r"(?!记者|通讯员|实习生|摄影|编辑)"
NAME = rf"(?:{_LABEL_WORD}[{CJK}·]{{2,4}}(?![{CJK}])|[A-Za-z][A-Za-z0-9_.&-]{{1,24}})"
NAMES = rf"{NAME}(?:(?:\s*[、,，]\s*|\s+){NAME})*"
NAME_CHAR = r"[^\s:：|｜，,。;；()（）\[\]【】<>《》]"
FREE_NAME = rf"{NAME_CHAR}{{1,24}}(?:\s+{NAME_CHAR}{{1,12}}){{0,5}}"
# a translated name keeps its nationality before it and its original after it:
# [美]约翰·史密斯(John Smith), 村上春树（Haruki Murakami）
NATION = rf"(?:[\[［〔（(][{CJK}]{{1,3}}[\]］〕）)]\s*)"
ORIGINAL = r"(?:\s*[（(][A-Za-z][A-Za-z .'’-]{1,40}[)）])"
CREDITED_NAME = rf"{NATION}?{FREE_NAME}{ORIGINAL}?"
_BRACKET_PAIRS = {"(": ")", "（": "）", "[": "]", "［": "］", "〔": "〕", "【": "】"}
# words that end a name run: the next field of the byline
_NAME_STOP = re.compile(
    r"(?:发布|发表|时间|日期|来源|来自|出自|编辑|责任编辑|点击|阅读|浏览|字号|字体|出处|评论|分享|更新|关注|报道"
    r"|作\s*者|记者|通讯员"
    r"|\d{4}[-/.年]|\d+\s*(?:个月|天|小时|分钟|秒|年)前).*$"
)
_NOT_NAMES = {
    "佚名",
    "未知",
    "网络",
    "本站",
    "互联网",
    "匿名",
    "转载",
    "原创",
    "不详",
    "admin",
    "管理员",
    "图",
    "完",
    "组图",
    "附图",
    "上",
    "下",
    "续",
    "转载文章",
    "本站原创",
}
# common single and double surnames: a bare 2-4 character line is only taken for a name
# when it starts with one (茉莉-style pen names are missed; 小字号 and 人物画像 are not taken)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯"
    "纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简"
    "车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海"
    "阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊"
    "乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴"
    "昝智幸奉植衡富尧闭由格扎次达尼旦索拉风"
)
_DOUBLE_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
    "端木",
    "西门",
    "南宫",
)
_ORG_SUFFIX = re.compile(
    r"(?:网|网站|网络|报|日报|晚报|周刊|新闻|社|台|频道|杂志|中心|平台|科技|公司|集团|工作室|\.com|\.cn|\.net)$",
    re.I,
)


def clean_person(raw: str | None) -> str | None:
    """A name out of a byline fragment: labels, trailing dates and fields cut away."""
    if not raw:
        return None
    text = re.sub(
        r"^(?:作\s*者|文|撰文|记者|编辑|责任编辑|来源|by)\s*[:：/／]?\s*",
        "",
        raw.strip(),
        flags=re.I,
    )
    text = _NAME_STOP.sub("", text)
    text = re.sub(r"[\s\u00a0\u3000]+", " ", text).strip(" :：|｜/／\\-—_,，。;；·")
    text = _trim_brackets(text)
    if not text or len(text) > 30 or text.lower() in _NOT_NAMES:
        return None
    if not re.search(rf"[{CJK}A-Za-z]", text) or re.search(
        r"https?:|www\.|\d{5,}|_\d|[=\"'<>]", text
    ):
        return None
    return text


def _trim_brackets(text: str) -> str:
    """Brackets at the ends go unless they pair up with one inside: `(李明)` -> `李明`,
    `村上春树（Haruki Murakami）` stays whole."""
    closing = set(_BRACKET_PAIRS.values())
    while (
        text
        and text[-1] in closing
        and not any(
            opener in text[:-1] for opener, closer in _BRACKET_PAIRS.items() if closer == text[-1]
        )
    ):
        text = text[:-1].rstrip()
    while text and text[0] in _BRACKET_PAIRS and _BRACKET_PAIRS[text[0]] not in text[1:]:
        text = text[1:].lstrip()
    if text[:1] in _BRACKET_PAIRS and text.endswith(_BRACKET_PAIRS[text[0]]):
        inner = text[1:-1]
        if not any(mark in inner for mark in (*_BRACKET_PAIRS, *closing)):
            text = inner.strip()  # the whole name in brackets: [ 黄宇 ]
    return text


def has_surname(names: str) -> bool:
    """Every name in a run such as `常书香 马丹阳` starts with a known surname."""
    parts = [part for part in re.split(r"[\s、,，]+", names) if part]
    return bool(parts) and all(
        re.fullmatch(rf"[{CJK}]{{2,4}}", part)
        and (part[0] in _SURNAMES or part[:2] in _DOUBLE_SURNAMES)
        for part in parts
    )


def looks_like_person(name: str | None) -> bool:
    """A short name that is not an outlet (…网, …日报, …社); a translated name's
    nationality and original do not count towards its length."""
    core = re.sub(rf"^{NATION}|{ORIGINAL}$", "", name or "")
    parts = re.split(r"[\s、,，]+", core)
    return (
        bool(name) and not _ORG_SUFFIX.search(name or "") and max(len(part) for part in parts) <= 12
    )
