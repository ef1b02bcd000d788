//! Reference data for the demo data set: real organisations, majors and national course codes; no real person.

/// An organisation in the demo province trees.
#[derive(Clone)]
pub struct OrgSeed {
    /// Unique ASCII slug, e.g. `"cq-office"`.
    pub key: &'static str,
    /// Key of the parent organisation; `None` for a root.
    pub parent: Option<&'static str>,
    /// One of: `municipal_office`, `provincial_office`, `prefecture_agency`, `district_agency`,
    /// `confirmation_point`, `chief_university`, `continuing_ed_school`, `assisted_learning_unit`.
    pub kind: &'static str,
    /// `"chongqing"` | `"yunnan"` | `None` for the continuing-education school.
    pub province: Option<&'static str>,
    /// Short ASCII code (national university code or administrative region code where one exists).
    pub code: &'static str,
    /// Chinese name.
    pub name: &'static str,
    /// 公告 text shown by chief universities (certificate pickup, contact phone, office location); `""` otherwise.
    pub announcement: &'static str,
}

/// One course of an exam plan.
pub struct CourseSeed {
    /// National (or school) course code.
    pub code: &'static str,
    /// Chinese course name.
    pub name: &'static str,
    /// Credits.
    pub credits: u8,
    /// `"theory"` | `"practical"` | `"thesis"`.
    pub kind: &'static str,
    /// Whether the course counts towards the bachelor's degree requirement (学位课程).
    pub degree_core: bool,
}

/// A major with its exam plan.
pub struct MajorSeed {
    /// `"chongqing"` | `"yunnan"`; `None` = continuing-education plan.
    pub province: Option<&'static str>,
    /// National major code.
    pub code: &'static str,
    /// Chinese major name.
    pub name: &'static str,
    /// `"associate"` (专科) | `"bachelor"` (本科).
    pub level: &'static str,
    /// Key of the chief university (主考院校) or continuing-education school in [`orgs`].
    pub chief_university: &'static str,
    /// Courses of the exam plan.
    pub courses: &'static [CourseSeed],
    /// (plan course code, allowed substitute course code) pairs (顶替课程).
    pub substitutions: &'static [(&'static str, &'static str)],
}

const fn th(code: &'static str, name: &'static str, credits: u8) -> CourseSeed {
    CourseSeed {
        code,
        name,
        credits,
        kind: "theory",
        degree_core: false,
    }
}

const fn core(code: &'static str, name: &'static str, credits: u8) -> CourseSeed {
    CourseSeed {
        code,
        name,
        credits,
        kind: "theory",
        degree_core: true,
    }
}

const fn pr(code: &'static str, name: &'static str, credits: u8) -> CourseSeed {
    CourseSeed {
        code,
        name,
        credits,
        kind: "practical",
        degree_core: false,
    }
}

const fn thesis(code: &'static str, name: &'static str, credits: u8) -> CourseSeed {
    CourseSeed {
        code,
        name,
        credits,
        kind: "thesis",
        degree_core: false,
    }
}

/// All organisations of the demo data set (Chongqing tree, Yunnan tree, continuing-education school).
/// Organisations outside any province's definition (schools of continuing education); the
/// provinces' organisations come from their definitions' trees.
static OTHER_ORGS: &[OrgSeed] = &[OrgSeed {
    key: "ce-school",
    parent: None,
    kind: "continuing_ed_school",
    province: None,
    code: "10681CE",
    name: "云南师范大学继续教育学院",
    announcement: "",
}];

/// The demo's provinces, whose definitions' trees hold their organisations.
pub const DEMO_PROVINCES: &[&str] = &["chongqing", "yunnan"];

static ALL_ORGS: std::sync::LazyLock<Vec<OrgSeed>> = std::sync::LazyLock::new(|| {
    let mut all: Vec<OrgSeed> = DEMO_PROVINCES
        .iter()
        .filter_map(|code| domain::Province::from_code(code))
        .flat_map(|p| {
            let def = p.definition();
            def.tree.iter().map(move |o| OrgSeed {
                key: o.key.as_str(),
                parent: o.parent.as_deref(),
                kind: o.kind.code(),
                province: Some(def.code.as_str()),
                code: o.code.as_str(),
                name: o.name.as_str(),
                announcement: o.announcement.as_str(),
            })
        })
        .collect();
    all.extend(OTHER_ORGS.iter().cloned());
    all
});

/// Every organisation of the demo, parents before children: the demo provinces' trees, then the
/// others.
pub fn orgs() -> &'static [OrgSeed] {
    &ALL_ORGS
}

// ------------------------------------------------------------------ Chongqing plans

const CQ_CS_BACHELOR: &[CourseSeed] = &[
    th("03708", "中国近现代史纲要", 2),
    th("03709", "马克思主义基本原理概论", 4),
    th("00015", "英语（二）", 14),
    th("00023", "高等数学（工本）", 4),
    th("02197", "概率论与数理统计（二）", 3),
    core("02331", "数据结构", 4),
    pr("02332", "数据结构（实践）", 2),
    th("02325", "计算机系统结构", 3),
    core("02326", "操作系统", 4),
    core("04741", "计算机网络原理", 4),
    core("04735", "数据库系统原理", 4),
    pr("04736", "数据库系统原理（实践）", 2),
    th("04747", "Java语言程序设计（一）", 3),
    pr("04748", "Java语言程序设计（一）（实践）", 2),
    th("02333", "软件工程", 3),
    thesis("06999", "毕业设计", 6),
];

const CQ_ACCOUNTING_BACHELOR: &[CourseSeed] = &[
    th("03708", "中国近现代史纲要", 2),
    th("03709", "马克思主义基本原理概论", 4),
    th("00015", "英语（二）", 14),
    th("04183", "概率论与数理统计（经管类）", 5),
    th("00054", "管理学原理", 6),
    core("00067", "财务管理学", 6),
    th("00070", "政府与事业单位会计", 5),
    core("00159", "高级财务会计", 6),
    core("00160", "审计学", 4),
    core("00161", "财务报表分析（一）", 5),
    th("00146", "中国税制", 4),
    th("00043", "经济法概论（财经类）", 4),
    th("00051", "管理系统中计算机应用", 3),
    pr("00052", "管理系统中计算机应用（实践）", 2),
    thesis("06999", "毕业论文", 6),
];

const CQ_LAW_BACHELOR: &[CourseSeed] = &[
    th("03708", "中国近现代史纲要", 2),
    th("03709", "马克思主义基本原理概论", 4),
    th("00015", "英语（二）", 14),
    th("00223", "中国法制史", 4),
    th("00226", "知识产权法", 4),
    core("00227", "公司法", 4),
    core("00228", "环境与资源保护法学", 4),
    core("00246", "国际经济法概论", 6),
    core("00247", "国际法", 6),
    th("00249", "国际私法", 4),
    th("00233", "税法", 3),
    th("00257", "票据法", 3),
    th("00262", "法律文书写作", 3),
    th("05680", "婚姻家庭法", 4),
    thesis("06999", "毕业论文", 6),
];

const CQ_CS_ASSOCIATE: &[CourseSeed] = &[
    th("03706", "思想道德修养与法律基础", 2),
    th("12656", "毛泽东思想和中国特色社会主义理论体系概论", 4),
    th("00012", "英语（一）", 7),
    th("00022", "高等数学（工专）", 6),
    th("00018", "计算机应用基础", 2),
    pr("00019", "计算机应用基础（实践）", 2),
    th("00342", "高级语言程序设计（一）", 4),
    pr("00343", "高级语言程序设计（一）（实践）", 2),
    th("02142", "数据结构导论", 4),
    th("02120", "数据库及其应用", 3),
    th("02141", "计算机网络技术", 4),
    th("02277", "微型计算机原理及应用", 4),
];

const CQ_BUSINESS_ASSOCIATE: &[CourseSeed] = &[
    th("03706", "思想道德修养与法律基础", 2),
    th("12656", "毛泽东思想和中国特色社会主义理论体系概论", 4),
    th("00012", "英语（一）", 7),
    th("00020", "高等数学（一）", 6),
    th("00009", "政治经济学（财经类）", 6),
    th("00054", "管理学原理", 6),
    th("00144", "企业管理概论", 5),
    th("00041", "基础会计学", 5),
    th("00058", "市场营销学", 5),
    th("00145", "生产与作业管理", 5),
    th("00147", "人力资源管理（一）", 6),
    th("00043", "经济法概论（财经类）", 4),
    pr("10424", "企业管理综合实训", 3),
];

// ------------------------------------------------------------------ Yunnan plans

const YN_ACCOUNTING_ASSOCIATE: &[CourseSeed] = &[
    th("03706", "思想道德修养与法律基础", 2),
    th("12656", "毛泽东思想和中国特色社会主义理论体系概论", 4),
    th("00012", "英语（一）", 7),
    th("00009", "政治经济学（财经类）", 6),
    th("00020", "高等数学（一）", 6),
    th("00041", "基础会计学", 5),
    th("00043", "经济法概论（财经类）", 4),
    th("00144", "企业管理概论", 5),
    th("00155", "中级财务会计", 5),
    th("00157", "管理会计（一）", 4),
    th("00070", "政府与事业单位会计", 5),
    th("00146", "中国税制", 4),
    th("00051", "管理系统中计算机应用", 3),
    pr("00052", "管理系统中计算机应用（实践）", 2),
];

const YN_ACCOUNTING_BACHELOR: &[CourseSeed] = &[
    th("03708", "中国近现代史纲要", 2),
    th("03709", "马克思主义基本原理概论", 4),
    th("00015", "英语（二）", 14),
    th("04183", "概率论与数理统计（经管类）", 5),
    th("04184", "线性代数（经管类）", 4),
    core("00067", "财务管理学", 6),
    core("00159", "高级财务会计", 6),
    core("00160", "审计学", 4),
    th("00161", "财务报表分析（一）", 5),
    th("00162", "会计制度设计", 5),
    th("00158", "资产评估", 4),
    th("00150", "金融理论与实务", 6),
    th("00149", "国际贸易理论与实务", 6),
    thesis("06999", "毕业论文", 6),
];

const YN_CHINESE_BACHELOR: &[CourseSeed] = &[
    th("03708", "中国近现代史纲要", 2),
    th("03709", "马克思主义基本原理概论", 4),
    th("00015", "英语（二）", 14),
    th("00037", "美学", 6),
    th("00321", "中国文化概论", 5),
    core("00529", "文学概论（一）", 7),
    th("00537", "中国现代文学史", 5),
    core("00538", "中国古代文学史（一）", 6),
    th("00539", "中国古代文学史（二）", 6),
    core("00540", "外国文学史", 6),
    core("00541", "语言学概论", 6),
    thesis("06999", "毕业论文", 6),
];

const YN_CS_ASSOCIATE: &[CourseSeed] = &[
    th("03706", "思想道德修养与法律基础", 2),
    th("12656", "毛泽东思想和中国特色社会主义理论体系概论", 4),
    th("00012", "英语（一）", 7),
    th("00022", "高等数学（工专）", 6),
    th("00018", "计算机应用基础", 2),
    pr("00019", "计算机应用基础（实践）", 2),
    th("00342", "高级语言程序设计（一）", 4),
    pr("00343", "高级语言程序设计（一）（实践）", 2),
    th("02142", "数据结构导论", 4),
    th("02120", "数据库及其应用", 3),
    th("02141", "计算机网络技术", 4),
];

const YN_LAW_BACHELOR: &[CourseSeed] = &[
    th("03708", "中国近现代史纲要", 2),
    th("03709", "马克思主义基本原理概论", 4),
    th("00015", "英语（二）", 14),
    th("00223", "中国法制史", 4),
    core("00227", "公司法", 4),
    th("00228", "环境与资源保护法学", 4),
    core("00246", "国际经济法概论", 6),
    core("00247", "国际法", 6),
    core("00249", "国际私法", 4),
    th("00226", "知识产权法", 4),
    th("00258", "保险法", 3),
    th("00167", "劳动法", 4),
    th("00169", "房地产法", 4),
    th("00262", "法律文书写作", 3),
    thesis("06999", "毕业论文", 6),
];

// ------------------------------------------------------------------ continuing-education plans

const CE_LAW: &[CourseSeed] = &[
    th("03709", "马克思主义基本原理概论", 4),
    th("13000", "英语（专升本）", 7),
    core("00242", "民法学", 6),
    th("00243", "民事诉讼法学", 4),
    core("00245", "刑法学", 5),
    th("00261", "行政法学", 4),
    core("00227", "公司法", 4),
    core("00246", "国际经济法概论", 6),
    th("00249", "国际私法", 4),
    th("00167", "劳动法", 4),
    th("00169", "房地产法", 4),
    th("00258", "保险法", 3),
    thesis("06999", "毕业论文", 8),
];

const CE_VISUAL_COMMUNICATION: &[CourseSeed] = &[
    th("03709", "马克思主义基本原理概论", 4),
    th("13000", "英语（专升本）", 7),
    th("00504", "艺术概论", 4),
    core("00688", "设计概论", 4),
    th("09234", "字体设计", 4),
    th("09237", "版式设计", 4),
    core("09239", "品牌形象设计", 5),
    core("09240", "包装设计", 5),
    th("09241", "广告设计", 4),
    th("09242", "书籍装帧设计", 4),
    th("09243", "信息可视化设计", 3),
    pr("09244", "视觉传达设计专业实践", 3),
    thesis("09299", "毕业设计（论文）", 8),
];

/// All majors with their exam plans: Chongqing and Yunnan self-study plans plus continuing-education plans.
pub static MAJORS: &[MajorSeed] = &[
    // Chongqing
    MajorSeed {
        province: Some("chongqing"),
        code: "080901",
        name: "计算机科学与技术",
        level: "bachelor",
        chief_university: "cq-cqu",
        courses: CQ_CS_BACHELOR,
        substitutions: &[("00015", "13000"), ("02326", "02323")],
    },
    MajorSeed {
        province: Some("chongqing"),
        code: "120203K",
        name: "会计学",
        level: "bachelor",
        chief_university: "cq-ctbu",
        courses: CQ_ACCOUNTING_BACHELOR,
        substitutions: &[("00015", "13000")],
    },
    MajorSeed {
        province: Some("chongqing"),
        code: "030101K",
        name: "法学",
        level: "bachelor",
        chief_university: "cq-swupl",
        courses: CQ_LAW_BACHELOR,
        substitutions: &[("00015", "13000")],
    },
    MajorSeed {
        province: Some("chongqing"),
        code: "610201",
        name: "计算机应用技术",
        level: "associate",
        chief_university: "cq-cqnu",
        courses: CQ_CS_ASSOCIATE,
        substitutions: &[("12656", "03707")],
    },
    MajorSeed {
        province: Some("chongqing"),
        code: "630601",
        name: "工商企业管理",
        level: "associate",
        chief_university: "cq-swu",
        courses: CQ_BUSINESS_ASSOCIATE,
        substitutions: &[("12656", "03707")],
    },
    // Yunnan
    MajorSeed {
        province: Some("yunnan"),
        code: "630302",
        name: "会计",
        level: "associate",
        chief_university: "yn-ynufe",
        courses: YN_ACCOUNTING_ASSOCIATE,
        substitutions: &[("12656", "03707")],
    },
    MajorSeed {
        province: Some("yunnan"),
        code: "120203K",
        name: "会计学",
        level: "bachelor",
        chief_university: "yn-ynufe",
        courses: YN_ACCOUNTING_BACHELOR,
        substitutions: &[("00015", "13000")],
    },
    MajorSeed {
        province: Some("yunnan"),
        code: "050101",
        name: "汉语言文学",
        level: "bachelor",
        chief_university: "yn-ynnu",
        courses: YN_CHINESE_BACHELOR,
        substitutions: &[("00015", "13000")],
    },
    MajorSeed {
        province: Some("yunnan"),
        code: "610201",
        name: "计算机应用技术",
        level: "associate",
        chief_university: "yn-kust",
        courses: YN_CS_ASSOCIATE,
        substitutions: &[("12656", "03707")],
    },
    MajorSeed {
        province: Some("yunnan"),
        code: "030101K",
        name: "法学",
        level: "bachelor",
        chief_university: "yn-ynu",
        courses: YN_LAW_BACHELOR,
        substitutions: &[("00015", "13000")],
    },
    // Continuing education (专升本)
    MajorSeed {
        province: None,
        code: "030101K",
        name: "法学（专升本）",
        level: "bachelor",
        chief_university: "ce-school",
        courses: CE_LAW,
        substitutions: &[("13000", "00015")],
    },
    MajorSeed {
        province: None,
        code: "130502",
        name: "视觉传达设计（专升本）",
        level: "bachelor",
        chief_university: "ce-school",
        courses: CE_VISUAL_COMMUNICATION,
        substitutions: &[("13000", "00015")],
    },
];

/// Courses that appear only as substitutes (顶替课程) and so in no plan above: old national codes a
/// candidate may still hold a pass in.
pub static SUBSTITUTE_ONLY_COURSES: &[(&str, &str)] = &[
    ("02323", "操作系统概论"),
    ("03707", "毛泽东思想、邓小平理论和“三个代表”重要思想概论"),
];

/// Common Chinese surnames (single- and double-character) for generated person names.
pub static SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "段", "雷", "单", "区", "解",
    "仇", "欧阳", "司马", "诸葛", "上官",
];

/// Common characters used in given names (one or two are combined per person).
pub static GIVEN_CHARS: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "鹏", "辉", "建", "飞", "鑫",
    "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "欢", "阳", "佳",
    "婷", "雪", "琳", "晶", "倩", "颖", "慧", "莉", "梅", "兰", "燕", "蓉", "琴", "云", "莹", "晨",
    "欣", "悦", "思", "雨", "彤", "萱", "涵", "梓", "轩", "子", "睿", "博", "文", "昊", "然", "天",
    "一", "诗", "可", "嘉", "航", "毅", "峰", "亮", "东", "海", "志", "成", "国", "庆", "春", "秋",
    "冬", "晓", "小", "新", "月", "星", "清", "泽", "山", "川", "江", "德", "仁", "礼", "智", "信",
    "安", "康", "福", "祥", "瑞", "宏", "振", "家",
];

/// Fictional but plausible street addresses in Chongqing districts.
pub static CQ_ADDRESS_PARTS: &[&str] = &[
    "重庆市沙坪坝区学城大道62号",
    "重庆市沙坪坝区天星桥正街17号",
    "重庆市沙坪坝区小龙坎新街45号",
    "重庆市渝中区民族路128号",
    "重庆市渝中区中山三路156号",
    "重庆市渝中区大坪正街33号",
    "重庆市九龙坡区杨家坪正街72号",
    "重庆市九龙坡区科园四路205号",
    "重庆市九龙坡区石桥铺渝州路19号",
    "重庆市南岸区南坪西路88号",
    "重庆市南岸区江南大道26号",
    "重庆市南岸区学府大道41号",
    "重庆市渝北区龙溪街道松石北路97号",
    "重庆市渝北区新南路216号",
    "重庆市江北区观音桥步行街12号",
    "重庆市江北区建新北路64号",
    "重庆市万州区白岩路53号",
    "重庆市万州区太白路108号",
    "重庆市北碚区天生路39号",
    "重庆市巴南区龙洲大道1520号",
    "重庆市大渡口区松青路21号",
    "重庆市江津区几江街道鼎山大道77号",
];

/// Fictional but plausible street addresses in Yunnan (Kunming, Qujing and other prefectures).
pub static YN_ADDRESS_PARTS: &[&str] = &[
    "云南省昆明市五华区人民中路86号",
    "云南省昆明市五华区一二一大街135号",
    "云南省昆明市五华区西昌路42号",
    "云南省昆明市盘龙区北京路612号",
    "云南省昆明市盘龙区白塔路58号",
    "云南省昆明市盘龙区金星路23号",
    "云南省昆明市官渡区春城路219号",
    "云南省昆明市官渡区关上中路37号",
    "云南省昆明市西山区滇池路905号",
    "云南省昆明市西山区前兴路66号",
    "云南省昆明市呈贡区吴家营街道雨花路31号",
    "云南省昆明市安宁市连然街道金方路14号",
    "云南省曲靖市麒麟区南宁北路108号",
    "云南省曲靖市麒麟区麒麟西路47号",
    "云南省曲靖市麒麟区寥廓南路29号",
    "云南省曲靖市宣威市建设路76号",
    "云南省曲靖市沾益区龙华街道金龙路15号",
    "云南省曲靖市陆良县中枢街道同乐大道52号",
    "云南省玉溪市红塔区聂耳路63号",
    "云南省大理白族自治州大理市泰安路18号",
    "云南省红河哈尼族彝族自治州蒙自市天马路44号",
    "云南省楚雄彝族自治州楚雄市鹿城南路91号",
];

/// Region codes (first six digits of ID numbers) of Chongqing districts and counties, used for synthetic ID numbers.
pub static CQ_REGION_CODES: &[&str] = &[
    "500101", // 万州区
    "500102", // 涪陵区
    "500103", // 渝中区
    "500104", // 大渡口区
    "500105", // 江北区
    "500106", // 沙坪坝区
    "500107", // 九龙坡区
    "500108", // 南岸区
    "500109", // 北碚区
    "500110", // 綦江区
    "500112", // 渝北区
    "500113", // 巴南区
    "500114", // 黔江区
    "500115", // 长寿区
    "500116", // 江津区
    "500117", // 合川区
    "500118", // 永川区
    "500119", // 南川区
    "500120", // 璧山区
    "500151", // 铜梁区
    "500152", // 潼南区
    "500153", // 荣昌区
    "500154", // 开州区
    "500230", // 丰都县
    "500233", // 忠县
    "500235", // 云阳县
    "500236", // 奉节县
];

/// Region codes (first six digits of ID numbers) of Yunnan counties and districts, used for synthetic ID numbers.
pub static YN_REGION_CODES: &[&str] = &[
    "530102", // 昆明市五华区
    "530103", // 昆明市盘龙区
    "530111", // 昆明市官渡区
    "530112", // 昆明市西山区
    "530113", // 昆明市东川区
    "530114", // 昆明市呈贡区
    "530115", // 昆明市晋宁区
    "530125", // 昆明市宜良县
    "530181", // 安宁市
    "530302", // 曲靖市麒麟区
    "530303", // 曲靖市沾益区
    "530322", // 曲靖市陆良县
    "530324", // 曲靖市罗平县
    "530325", // 曲靖市富源县
    "530326", // 曲靖市会泽县
    "530381", // 宣威市
    "530402", // 玉溪市红塔区
    "530502", // 保山市隆阳区
    "532301", // 楚雄市
    "532503", // 蒙自市
    "532901", // 大理市
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn org_tree_is_consistent() {
        let mut keys = HashSet::new();
        for o in orgs() {
            assert!(keys.insert(o.key), "duplicate org key {}", o.key);
            assert!(o.key.is_ascii() && o.code.is_ascii());
        }
        for o in orgs() {
            if let Some(p) = o.parent {
                assert!(keys.contains(p), "{} has unknown parent {}", o.key, p);
            }
            assert_eq!(
                o.announcement.is_empty(),
                o.kind != "chief_university",
                "{}",
                o.key
            );
        }
    }

    #[test]
    fn plans_are_consistent() {
        for m in MAJORS {
            let Some(chief) = orgs().iter().find(|o| o.key == m.chief_university) else {
                panic!(
                    "{} has unknown chief university {}",
                    m.name, m.chief_university
                );
            };
            assert_eq!(chief.province, m.province);
            assert!((10..=16).contains(&m.courses.len()), "{}", m.name);
            let mut codes = HashSet::new();
            for c in m.courses {
                assert!(
                    codes.insert(c.code),
                    "duplicate course {} in {}",
                    c.code,
                    m.name
                );
                assert!(matches!(c.kind, "theory" | "practical" | "thesis"));
            }
            let core = m.courses.iter().filter(|c| c.degree_core).count();
            let theses = m.courses.iter().filter(|c| c.kind == "thesis").count();
            if m.level == "bachelor" {
                assert!((3..=5).contains(&core), "{}", m.name);
                assert_eq!(theses, 1, "{}", m.name);
            } else {
                assert_eq!(core, 0, "{}", m.name);
            }
            for (plan, _) in m.substitutions {
                assert!(
                    codes.contains(plan),
                    "{} substitutes unknown {}",
                    m.name,
                    plan
                );
            }
        }
    }
}
